import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { budgetSeries, type SeriesPoint } from './types';

/** The budget left over the SLO window (left axis, %) and each step's burn rate (right axis), drawn by uPlot. */
export function BurnChart({ points, objective }: { points: SeriesPoint[]; objective: number }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const plot = new uPlot(chartOptions(Math.max(320, element.clientWidth)), budgetSeries(points, objective), element);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(320, element.clientWidth), height: 280 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points, objective]);
  return <div className="chart" ref={container} data-testid="burn-chart" />;
}

function chartOptions(width: number): uPlot.Options {
  return {
    width,
    height: 280,
    scales: { x: { time: true }, budget: { auto: true }, rate: { auto: true } },
    series: [
      {},
      { label: 'budget left', scale: 'budget', stroke: '#c2410c', width: 2, value: (_u, v) => (v === null ? '—' : `${v.toFixed(1)} %`) },
      {
        label: 'burn rate',
        scale: 'rate',
        stroke: '#2563eb',
        width: 1,
        // Steps with events may be few and far apart: a lone one has no line to be part of.
        points: { show: true, size: 6 },
        value: (_u, v) => (v === null ? '—' : `${v.toFixed(2)}×`),
      },
    ],
    axes: [
      {},
      // Wide enough for an overspent budget's ticks (-10000%) beside the axis label.
      { scale: 'budget', label: 'budget left %', size: 80, values: (_u, ticks) => ticks.map((tick) => `${tick}%`) },
      {
        scale: 'rate',
        side: 1,
        label: 'burn rate',
        size: 70,
        grid: { show: false },
        values: (_u, ticks) => ticks.map((tick) => `${tick}×`),
      },
    ],
  };
}
