import { FakeSlack } from '@firebreak/testing';
import { Stack } from '../stack';
import { percentile } from './load';
import { webhookBody } from './payloads';

const TOKEN = 'bench-token-0123456789';
const ALERTS_PER_WEBHOOK = 10;

export interface EndToEndResult {
  rate: number;
  sent: number;
  delivered: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * A Slack channel without rate limit or folding, so every alert is one message to time, and 256 sends
 * on the wire: at 1,000 alerts/s the default of 4, which suits a real chat channel (its provider takes
 * about a message a second), would hold the pipeline up.
 */
function channelsYaml(webhookUrl: string): string {
  return [
    'channels:',
    `  - { name: bench-slack, type: slack, webhookUrl: "${webhookUrl}", rateLimit: { perMinute: 100000, burst: 10000 }, concurrency: 256, fold: false }`,
    'routes:',
    '  - { matchers: [], channels: [bench-slack] }',
    '',
  ].join('\n');
}

/**
 * Open-loop load at a fixed rate of alerts per second, webhook → ingress → mapper → notifier → fake
 * Slack, each alert timed from its webhook's send to Slack's receipt of its message.
 */
export async function endToEnd(rates: number[], durationSec: number): Promise<EndToEndResult[]> {
  const slack = new FakeSlack();
  await slack.start();
  const stack = new Stack({
    apps: ['ingress', 'mapper', 'notifier'],
    env: { FIREBREAK_WEBHOOK_TOKENS: TOKEN, FIREBREAK_AUTOMATION_ENABLED: 'false', LOG_LEVEL: 'error' },
    configFiles: { 'channels.yaml': channelsYaml(slack.webhookUrl()) },
  });
  await stack.start();
  const results: EndToEndResult[] = [];
  try {
    for (const rate of rates) results.push(await runAtRate(stack.url('ingress'), slack, rate, durationSec));
  } finally {
    await stack.cleanUp();
    await slack.stop();
  }
  return results;
}

async function runAtRate(ingressUrl: string, slack: FakeSlack, rate: number, durationSec: number): Promise<EndToEndResult> {
  const run = `e2e${rate}x${Date.now()}`;
  const sentAt = new Map<number, number>();
  const webhooksPerSec = rate / ALERTS_PER_WEBHOOK;
  const total = Math.round(webhooksPerSec * durationSec);
  const started = Date.now();
  const posts: Array<Promise<unknown>> = [];
  for (let sequence = 0; sequence < total; sequence++) {
    const due = started + (sequence * 1000) / webhooksPerSec;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sentAt.set(sequence, Date.now());
    posts.push(
      fetch(`${ingressUrl}/api/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: webhookBody(run, sequence, ALERTS_PER_WEBHOOK),
      }),
    );
  }
  await Promise.allSettled(posts);
  const expected = total * ALERTS_PER_WEBHOOK;
  const mine = () => slack.messages.filter((message) => JSON.stringify(message).includes(run));
  const deadline = Date.now() + 60_000;
  while (mine().length < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const latencies: number[] = [];
  for (const request of slack.requests) {
    const body = JSON.stringify(request.body);
    if (!body.includes(run)) continue;
    const match = /host-(\d+)-\d+:9100/.exec(body);
    if (match) latencies.push(request.receivedAt.getTime() - (sentAt.get(Number(match[1])) ?? request.receivedAt.getTime()));
  }
  latencies.sort((a, b) => a - b);
  return { rate, sent: expected, delivered: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}
