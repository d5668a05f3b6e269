import { useEffect, useState } from 'react';
import { Award, Boxes, Database, FileUp, MessageSquareText, Play, Sparkles, Wand2 } from 'lucide-react';
import { DemoReport } from '../../../../electron/shared/demo';
import { client } from '../../api';
import { JobProgress } from '../../components/JobProgress';
import { Button, PageHeader, errorMessage } from '../../components/ui';
import { useFollowedJob } from '../../store/jobs';
import { useRoute } from '../../store/route';
import { useUi } from '../../store/ui';
import { DemoReportView } from './DemoReportView';
import { useWelcomeDismissed } from './useWelcome';
import './welcome.css';

const STEPS = [
  { icon: <Database size={16} />, title: 'Datanet', text: 'Import files, catch duplicates and personal data, review, and freeze a snapshot whose Merkle root can be published.' },
  { icon: <Wand2 size={16} />, title: 'Train', text: 'Fine-tune a LoRA adapter on the snapshot with the native trainer, on this machine, and compare it with the base model.' },
  { icon: <MessageSquareText size={16} />, title: 'Ask', text: 'Chat with the adapter or serve it through the local OpenAI-compatible API; every answer gets a receipt naming its records.' },
  { icon: <Award size={16} />, title: 'Reward', text: 'Anchor the receipts on a chain and let the contributors whose data made the answers claim their share from the wallet.' },
];

/** localStorage "datanet-studio-demo-size" = "small" runs the demo at its test size (UI tests, slow machines). */
const demoSize = () => (localStorage.getItem('datanet-studio-demo-size') === 'small' ? 'small' : 'full');

/** First run, above the empty Datanets list: the spine in four steps, and three ways to start. */
export function WelcomeScreen() {
  const go = useRoute((s) => s.go);
  const openDialog = useUi((s) => s.openDialog);
  const dismiss = useWelcomeDismissed((s) => s.dismiss);
  const [job, followJob] = useFollowedJob('demo', 'demo.run');
  const [error, setError] = useState<string | null>(null);
  const [lastReport, setLastReport] = useState<DemoReport | null>(null);
  const finished = job?.state === 'succeeded' ? DemoReport.safeParse(job.result) : null;
  const report = finished?.success ? finished.data : lastReport;

  useEffect(() => {
    if (!client) return;
    client.call('demo.lastReport', {}).then((r) => setLastReport(r.report), () => {});
  }, []);

  const tryDemo = async () => {
    setError(null);
    try {
      followJob((await client!.call('demo.run', { size: demoSize() })).jobId);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const running = job?.state === 'running';

  return (
    <div className="page" data-testid="welcome">
      <PageHeader
        title="Welcome to Datanet Studio"
        subtitle="Curate data, fine-tune a model, ask it, see whose data made each answer, and reward them — all on this machine."
        actions={
          <Button variant="ghost" onClick={dismiss}>
            Hide this
          </Button>
        }
      />
      <ol className="welcome-steps" aria-label="The four steps">
        {STEPS.map((s, i) => (
          <li key={s.title} className="welcome-step">
            <span className="welcome-step-no">
              {s.icon} {i + 1}
            </span>
            <h3>{s.title}</h3>
            <p>{s.text}</p>
          </li>
        ))}
      </ol>
      <div className="welcome-actions">
        <div className="card welcome-action">
          <h2>
            <Sparkles size={15} /> Try the demo
          </h2>
          <p>
            The whole spine in a few minutes, offline, in a separate demo workspace: a pharmacy FAQ signed by four contributors, a small model generated
            here, a LoRA adapter, answers with receipts, and a reward claimed on a local devnet. Your own workspace is not touched.
          </p>
          <Button variant="primary" onClick={() => void tryDemo()} disabled={running}>
            <Play size={14} /> {report ? 'Run the demo again' : 'Try the demo'}
          </Button>
        </div>
        <div className="card welcome-action">
          <h2>
            <FileUp size={15} /> Import your own files
          </h2>
          <p>Create a datanet, then import JSONL, CSV, text, Markdown, PDF or Word files. Rows can carry their contributor&apos;s address and signature.</p>
          <Button onClick={() => openDialog('createDatanet')}>
            <Database size={14} /> Create a datanet
          </Button>
        </div>
        <div className="card welcome-action">
          <h2>
            <Boxes size={15} /> Add a model
          </h2>
          <p>Import a GGUF base model from this machine, or download one from the catalog (resumable; checked against a sha256 where the catalog has one).</p>
          <Button onClick={() => go({ section: 'models' })}>
            <Boxes size={14} /> Open Models
          </Button>
        </div>
      </div>
      {error ? (
        <div className="job-error" role="alert">
          {error}
        </div>
      ) : null}
      {job ? <JobProgress job={job} /> : null}
      {report ? <DemoReportView report={report} /> : null}
    </div>
  );
}
