// Placeholder: the page is being written.
export function NotificationsPage() {
  return <h1>Notifications</h1>;
}
