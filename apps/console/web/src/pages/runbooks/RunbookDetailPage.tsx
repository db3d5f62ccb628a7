// Placeholder: the page is being written.
export function RunbookDetailPage() {
  return <h1>RunbookDetail</h1>;
}
