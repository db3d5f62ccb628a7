import { NavLink, Navigate, Route, Routes } from 'react-router';
import { signOut, useSession } from './auth/session';
import { useLiveStatus } from './live/events';
import { AlertsPage } from './pages/alerts/AlertsPage';
import { AlertDetailPage } from './pages/alerts/AlertDetailPage';
import { SilencesPage } from './pages/silences/SilencesPage';
import { RunbooksPage } from './pages/runbooks/RunbooksPage';
import { RunbookDetailPage } from './pages/runbooks/RunbookDetailPage';
import { ExecutionsPage } from './pages/executions/ExecutionsPage';
import { ExecutionDetailPage } from './pages/executions/ExecutionDetailPage';
import { ApprovalsPage } from './pages/approvals/ApprovalsPage';
import { SlosPage } from './pages/slos/SlosPage';
import { SloDetailPage } from './pages/slos/SloDetailPage';
import { DetectorsPage } from './pages/detectors/DetectorsPage';
import { NotificationsPage } from './pages/notifications/NotificationsPage';
import { HealthPage } from './pages/health/HealthPage';

const NAV = [
  ['/alerts', 'Alerts'],
  ['/silences', 'Silences'],
  ['/runbooks', 'Runbooks'],
  ['/executions', 'Executions'],
  ['/approvals', 'Approvals'],
  ['/slos', 'SLOs'],
  ['/detectors', 'Detectors'],
  ['/notifications', 'Notifications'],
  ['/status', 'Health'],
] as const;

export function App() {
  const session = useSession();
  const live = useLiveStatus();
  return (
    <div className="layout">
      <header className="topbar">
        <span className="brand">Firebreak</span>
        <nav>
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to}>
              {label}
            </NavLink>
          ))}
        </nav>
        <span className={`live live-${live}`} title="live updates from the bus">
          {live}
        </span>
        <span className="who" data-testid="session">
          {session.name} ({session.role})
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/alerts" replace />} />
          <Route path="/alerts" element={<AlertsPage />} />
          <Route path="/alerts/:fingerprint" element={<AlertDetailPage />} />
          <Route path="/silences" element={<SilencesPage />} />
          <Route path="/runbooks" element={<RunbooksPage />} />
          <Route path="/runbooks/:id" element={<RunbookDetailPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:id" element={<ExecutionDetailPage />} />
          <Route path="/approvals" element={<ApprovalsPage />} />
          <Route path="/slos" element={<SlosPage />} />
          <Route path="/slos/:id" element={<SloDetailPage />} />
          <Route path="/detectors" element={<DetectorsPage />} />
          <Route path="/notifications" element={<NotificationsPage />} />
          <Route path="/status" element={<HealthPage />} />
          <Route path="*" element={<p>No such page.</p>} />
        </Routes>
      </main>
    </div>
  );
}
