// qXfer:libraries-svr4:read: the modules of a process as glibc's link map would list them (name, l_addr,
// l_ld), so gdb finds each library's symbols at its base. picemu's own loader keeps no link_map in guest
// memory: `lm` is the module's base, a distinct non-zero value gdb only uses to tell entries apart.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Process } from '../index.ts';

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export function librariesSvr4Xml(p: Process): string {
  const entries = p.modules.map((m) => {
    const ld = m.elf.dynamicSegment ? m.base + m.elf.dynamicSegment.vaddr : 0;
    return `  <library name="${escapeXml(canonical(m.path))}" lm="0x${m.base.toString(16)}" l_addr="0x${m.base.toString(16)}" l_ld="0x${ld.toString(16)}" lmid="0x0"/>`;
  });
  return `<library-list-svr4 version="1.0">\n${entries.join('\n')}\n</library-list-svr4>\n`;
}
