// Placeholder: being written.
export default function AgentsPage() {
  return <h1>AgentsPage</h1>;
}
