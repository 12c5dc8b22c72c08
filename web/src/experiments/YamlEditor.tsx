// The experiment's YAML in CodeMirror 6. This module is loaded with import() by the experiment
// page only: CodeMirror is a chunk of its own, never part of the first load of another page.
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import type { Diagnostic } from '@codemirror/lint';
import { EditorSelection, EditorState } from '@codemirror/state';
import type { Text } from '@codemirror/state';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { useEffect, useImperativeHandle, useRef } from 'react';
import type { Ref } from 'react';
import type { LocatedProblem } from './use-validation.js';

export interface YamlEditorHandle {
  /** Puts the cursor at a problem's line and column (1-based) and focuses the editor. */
  reveal(line: number, col: number): void;
}

export interface YamlEditorProps {
  /** The text to start from; later changes come from the editor (it is uncontrolled). */
  readonly initial: string;
  readonly readOnly: boolean;
  /** Shown as CodeMirror diagnostics; they belong to `problemsOf`, and are shown only while the text is still that. */
  readonly problems: readonly LocatedProblem[];
  readonly problemsOf: string | undefined;
  readonly onChange: (text: string) => void;
  /** The accessible name of the text box, and the id of what describes it (the problem list). */
  readonly label: string;
  readonly describedBy?: string;
  readonly ref?: Ref<YamlEditorHandle>;
}

/**
 * What an experiment's editor needs, and no more (no search panel, no completion, no folding):
 * line numbers, highlighting, undo, indentation. Tab is left to move focus, as in a form.
 */
const EDITING = [
  lineNumbers(),
  highlightActiveLineGutter(),
  highlightSpecialChars(),
  history(),
  drawSelection(),
  indentOnInput(),
  syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
  bracketMatching(),
  highlightActiveLine(),
  keymap.of([...defaultKeymap, ...historyKeymap]),
];

export default function YamlEditor({ initial, readOnly, problems, problemsOf, onChange, label, describedBy, ref }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  // One view for the life of the component; its document is the editor's own from here on.
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          EDITING,
          yaml(),
          lintGutter(),
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of({
            'aria-label': label,
            ...(readOnly && { 'aria-readonly': 'true' }),
            ...(describedBy && { 'aria-describedby': describedBy }),
          }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // Made once: another experiment is another key, hence another editor.
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    // Problems of an older text would point at the wrong places: they wait for their own text.
    const doc = editor.state.doc;
    const current = problemsOf !== undefined && problemsOf === doc.toString() ? problems : [];
    editor.dispatch(
      setDiagnostics(
        editor.state,
        current.map((p) => diagnostic(doc, p)),
      ),
    );
  }, [problems, problemsOf]);

  useImperativeHandle(ref, () => ({
    reveal(line, col) {
      const editor = view.current;
      if (!editor) return;
      const at = position(editor.state.doc, line, col);
      editor.dispatch({ selection: EditorSelection.cursor(at), scrollIntoView: true });
      editor.focus();
    },
  }));

  return <div ref={host} className="yaml-editor" />;
}

/** A problem at line:col as a diagnostic from there to the end of its line (or one character, at the end). */
function diagnostic(doc: Text, problem: LocatedProblem): Diagnostic {
  const from = position(doc, problem.line, problem.col);
  const end = doc.lineAt(from).to;
  const to = end > from ? end : Math.min(from + 1, doc.length);
  return { from, to, severity: 'error', message: problem.path ? `${problem.path}: ${problem.message}` : problem.message };
}

/** The offset of a 1-based line and column, held inside the document. */
function position(doc: Text, line: number, col: number): number {
  const at = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(at.from + Math.max(col, 1) - 1, at.to);
}
