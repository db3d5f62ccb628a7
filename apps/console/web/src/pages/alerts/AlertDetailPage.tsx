// Placeholder: the page is being written.
export function AlertDetailPage() {
  return <h1>AlertDetail</h1>;
}
