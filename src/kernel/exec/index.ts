// exec as the kernel's load_elf_binary does it: see load-elf-binary.ts (mapping), stack.ts (argv, envp, auxv),
// vdso.ts ([vvar], [vdso]). execve's handler calls execve() here.
export { execve, type ExecRequest } from './load-elf-binary.ts';
