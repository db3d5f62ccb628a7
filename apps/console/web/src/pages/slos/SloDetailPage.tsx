// Placeholder: the page is being written.
export function SloDetailPage() {
  return <h1>SloDetail</h1>;
}
