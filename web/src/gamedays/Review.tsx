import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import { Loading, Problem } from '../ui/parts.js';

/** The review, pre-filled from what happened (Markdown, as the API writes it for the wiki). */
export function Review({ id }: { id: string }) {
  const review = useQuery({
    queryKey: ['gameday-review', id],
    queryFn: async ({ signal }) => (await api<{ review: string }>('GET', `/gamedays/${id}/review?format=json`, undefined, signal)).review,
  });
  return (
    <section className="card review" aria-labelledby="review-title">
      <h2 id="review-title">Review</h2>
      <p className="muted">
        Markdown, to paste into the wiki: the places marked for the team are to fill in together.{' '}
        <a href={`/api/v1/gamedays/${id}/review?download=1`}>Download Markdown</a> ·{' '}
        <a href={`/api/v1/gamedays/${id}/review?format=html&download=1`}>Download HTML</a>
      </p>
      {review.isPending && <Loading what="the review" />}
      <Problem error={review.error} />
      {review.data && <pre tabIndex={0}>{review.data}</pre>}
    </section>
  );
}
