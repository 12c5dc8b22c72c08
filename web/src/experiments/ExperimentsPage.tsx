// Placeholder: being written.
export default function ExperimentsPage() {
  return <h1>ExperimentsPage</h1>;
}
