// Placeholder: the page is being written.
export function SilencesPage() {
  return <h1>Silences</h1>;
}
