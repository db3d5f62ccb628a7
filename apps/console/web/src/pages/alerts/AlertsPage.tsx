// Placeholder: the page is being written.
export function AlertsPage() {
  return <h1>Alerts</h1>;
}
