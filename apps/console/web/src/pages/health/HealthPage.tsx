// Placeholder: the page is being written.
export function HealthPage() {
  return <h1>Health</h1>;
}
