// Every file of system calls, one line each: importing a file registers its calls in the table.
import './files-io.ts';
import './files-paths.ts';
import './files-descriptors.ts';
import './memory.ts';
import './identity.ts';
import './time.ts';
import './thread-setup.ts';
import './exit.ts';
import './signals.ts';
import './clone.ts';
import './wait.ts';
import './execve.ts';
import './futex.ts';
import './statfs.ts';
import './poll.ts';
import './epoll.ts';
