// Placeholder: the page is being written.
export function ExecutionsPage() {
  return <h1>Executions</h1>;
}
