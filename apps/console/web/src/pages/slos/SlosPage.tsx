// Placeholder: the page is being written.
export function SlosPage() {
  return <h1>Slos</h1>;
}
