// Placeholder: the page is being written.
export function ExecutionDetailPage() {
  return <h1>ExecutionDetail</h1>;
}
