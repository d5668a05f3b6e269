import { ThumbsDown, ThumbsUp } from 'lucide-react';
import { useState } from 'react';
import { toast } from 'sonner';
import type { Proposal } from '../../../../electron/shared/proposals';
import { client } from '../../api';
import { Button, FormError, errorMessage } from '../../components/ui';
import { AccountSelect } from '../network/AccountSelect';

type Rating = 'good' | 'bad';

/**
 * Good / bad on one answer, for the chosen proposal: the rating becomes a record in the
 * proposal's feedback datanet with the rater's wallet address as contributor. A bad rating
 * needs the corrected answer (that is what gets trained on).
 */
export function AnswerFeedback({ prompt, answer, proposal }: { prompt: string; answer: string; proposal: Proposal | null }) {
  const [rating, setRating] = useState<Rating | null>(null);
  const [corrected, setCorrected] = useState('');
  const [rater, setRater] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ rating: Rating; proposal: string } | null>(null);

  if (sent && sent.proposal === proposal?.id) {
    return (
      <div className="answer-feedback muted small" data-testid="feedback-sent">
        Rated {sent.rating} · recorded as feedback for “{proposal.title}”
      </div>
    );
  }
  const why = proposal ? `Rate this answer as feedback for “${proposal.title}”` : 'Choose a proposal under “Feedback to” (one that is tuning, in feedback or deployed) to rate answers';
  const missing = !rater
    ? 'Feedback is credited to a wallet account: add one in Wallet first.'
    : rating === 'bad' && !corrected.trim()
      ? 'A bad rating needs the corrected answer.'
      : null;

  const send = async () => {
    if (!proposal || !rating || missing) return;
    setSending(true);
    setError(null);
    try {
      const record = await client!.call('proposals.feedback', {
        proposalId: proposal.id,
        rater,
        prompt,
        answer,
        rating,
        ...(rating === 'bad' ? { correctedAnswer: corrected.trim() } : {}),
      });
      setSent({ rating, proposal: proposal.id });
      toast.success(`Feedback recorded (${record.id}) in the feedback datanet of “${proposal.title}”.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSending(false);
    }
  };

  const choose = (r: Rating) => {
    setError(null);
    setRating(rating === r ? null : r);
  };
  return (
    <div className="answer-feedback">
      <div className="answer-feedback-row">
        <Button variant="ghost" className="btn-small" aria-pressed={rating === 'good'} disabled={!proposal} title={why} onClick={() => choose('good')}>
          <ThumbsUp size={13} /> Good
        </Button>
        <Button variant="ghost" className="btn-small" aria-pressed={rating === 'bad'} disabled={!proposal} title={why} onClick={() => choose('bad')}>
          <ThumbsDown size={13} /> Bad
        </Button>
      </div>
      {rating && proposal ? (
        <form
          className="answer-feedback-form"
          aria-label="Answer feedback"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          {rating === 'bad' ? (
            <textarea
              aria-label="Corrected answer"
              rows={3}
              value={corrected}
              placeholder="The answer it should have given"
              onChange={(e) => setCorrected(e.target.value)}
            />
          ) : null}
          <div className="answer-feedback-row">
            <AccountSelect label="Rate as" value={rater} onChange={setRater} />
            {rater ? <span className="muted small">{missing ?? `Goes to the feedback datanet of “${proposal.title}”.`}</span> : null}
            <span className="status-spacer" />
            <Button onClick={() => setRating(null)}>Cancel</Button>
            <Button variant="primary" type="submit" disabled={sending || Boolean(missing)}>
              {sending ? 'Sending…' : 'Send feedback'}
            </Button>
          </div>
          <FormError error={error} />
        </form>
      ) : null}
    </div>
  );
}
