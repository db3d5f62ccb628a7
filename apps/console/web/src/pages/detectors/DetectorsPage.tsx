// Placeholder: the page is being written.
export function DetectorsPage() {
  return <h1>Detectors</h1>;
}
