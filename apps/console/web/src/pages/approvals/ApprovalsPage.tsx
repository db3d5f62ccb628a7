// Placeholder: the page is being written.
export function ApprovalsPage() {
  return <h1>Approvals</h1>;
}
