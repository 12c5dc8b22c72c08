// Placeholder: being written.
export default function ExperimentPage({ id }: { id: string }) {
  return <h1>Experiment {id}</h1>;
}
