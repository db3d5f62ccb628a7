// Placeholder: the page is being written.
export function RunbooksPage() {
  return <h1>Runbooks</h1>;
}
