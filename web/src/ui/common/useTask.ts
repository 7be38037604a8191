import { useState } from 'preact/hooks';
import { fieldErrors, problemText } from '../../api.js';

/** One call at a time for a form or a button: busy while it runs, the server's problem after it failed. */
export function useTask() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [fields, setFields] = useState<Record<string, string>>({});

  /** Runs `work`; answers whether it succeeded, so a form can reset or move on. */
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    setFields({});
    try {
      await work();
      return true;
    } catch (caught) {
      setError(problemText(caught));
      setFields(fieldErrors(caught));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, fields, run };
}
