// One door to the pure edits: a file's text (undefined when it does not exist) and a FileEdit in, the new
// text out, or an EditError that says why the file is left alone.
import type { FileEdit } from '../../check.js';
import { EditError } from './edit-error.js';
import { ensureLine } from './ensure-line.js';
import { setShellVar } from './shell-var.js';
import { setShellVarOptions, setXenCmdline, type TextEdit } from './xen-cmdline.js';

export { EditError } from './edit-error.js';
export type { TextEdit } from './xen-cmdline.js';

export function applyEdit(file: string, text: string | undefined, edit: FileEdit): TextEdit {
  if (edit.kind === 'write-file')
    return { text: edit.content, notes: text === undefined ? ['new file'] : [] };
  // Only a file xendoctor owns is created; the others belong to the distribution and must already exist.
  if (text === undefined) throw new EditError(file, 'no such file; nothing was changed');
  switch (edit.kind) {
    case 'xen-cmdline':
      return setXenCmdline(text, edit.set, file);
    case 'shell-options':
      return setShellVarOptions(text, edit.variable, edit.set, file);
    case 'shell-var':
      return setShellVar(text, edit.name, edit.value, file);
    case 'ensure-line':
      return ensureLine(text, edit.line, edit.present, file);
  }
}
