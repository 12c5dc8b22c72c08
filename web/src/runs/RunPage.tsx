// Placeholder: being written.
export default function RunPage({ id }: { id: string }) {
  return <h1>Run {id}</h1>;
}
