#!/usr/bin/env python3
"""qemu-console: drive a program's console (QEMU -nographic) like `expect`.

Python 3 standard library only. Used by test suites to boot a guest, wait for
lines, type commands and check that the program exits.

Command line
------------
    tools/qemu-console.py [options] STEP... -- COMMAND [ARG...]

Steps run in order, each bounded by the current timeout:
    -e, --expect REGEX    wait for REGEX (Python re, MULTILINE) in the output
                          that follows the previous match
    -s, --send LINE       type LINE and a newline
    -r, --send-raw TEXT   type TEXT as is (Python escapes: "\\x01x" is Ctrl-A x)
    -t, --timeout SECS    timeout of the steps that follow (default 30)
    -x, --exit [CODE]     wait for the program to exit; with CODE, require it
    -n, --not REGEX       fail if REGEX appears anywhere in the output so far
                          (checked when the step runs and again at the end)
Options:
    --log FILE            write everything the program printed to FILE
    --echo                copy the program's output to our stdout as it comes
    --quiet               print nothing on success
When the steps are done the program is killed (its whole process group) unless
it already exited. Exit status: 0 all steps passed; 1 a step failed (timeout,
wrong exit code, forbidden text; the reason and the output's tail go to
stderr); 2 usage error.

Example:
    tools/qemu-console.py --log boot.log -t 60 -e 'AXVM-GUEST-READY nproc=2' \\
        -s 'echo hi-42' -e 'hi-42' -s 'poweroff -f' -x 0 -- \\
        qemu-system-aarch64 -M virt -nographic ...

Python API
----------
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("qemu_console", "tools/qemu-console.py")
    qc = importlib.util.module_from_spec(spec); spec.loader.exec_module(qc)

    with qc.Console(["qemu-system-aarch64", ...], log="boot.log") as c:
        m = c.expect(r"nproc=(\\d+)", timeout=60)  # re.Match; raises qc.Timeout
        c.sendline("echo hi")
        c.expect("hi", timeout=5)
        code = c.wait(timeout=10)                # exit status; raises qc.Timeout
        text = c.output                          # everything read so far (str)

Console(argv, log=None, echo=False, env=None, cwd=None)
    .expect(pattern, timeout)  search from the end of the previous match
    .expect_any([p1, p2], timeout) -> (index, match)
    .sendline(text) / .send(text)
    .wait(timeout) -> int      returncode once the program has exited
    .alive() -> bool
    .output -> str             all output (bytes decoded as UTF-8, replace)
    .tail(n=2000) -> str
    .close()                   kill the process group if still running
Timeout is raised with the pattern and the output tail in its message.
"""
import argparse
import codecs
import os
import re
import signal
import subprocess
import sys
import threading
import time


class Timeout(Exception):
    """A step did not complete in time."""


class Console:
    def __init__(self, argv, log=None, echo=False, env=None, cwd=None):
        self._buf = []
        self._text = ""
        self._pos = 0
        self._cond = threading.Condition()
        self._eof = False
        self._echo = echo
        self._log = open(log, "wb") if log else None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env, cwd=cwd,
            start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if self._log and chunk:
                self._log.write(chunk)
                self._log.flush()
            if self._echo and chunk:
                sys.stdout.buffer.write(chunk)
                sys.stdout.buffer.flush()
            with self._cond:
                if chunk:
                    self._text += self._decoder.decode(chunk)
                else:
                    self._text += self._decoder.decode(b"", final=True)
                    self._eof = True
                self._cond.notify_all()
            if not chunk:
                return

    @property
    def output(self):
        with self._cond:
            return self._text

    def tail(self, n=2000):
        return self.output[-n:]

    def alive(self):
        return self.proc.poll() is None

    def expect_any(self, patterns, timeout):
        regs = [re.compile(p, re.MULTILINE) if isinstance(p, str) else p
                for p in patterns]
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                best = None
                for i, r in enumerate(regs):
                    m = r.search(self._text, self._pos)
                    if m and (best is None or m.start() < best[1].start()):
                        best = (i, m)
                if best:
                    self._pos = best[1].end()
                    return best
                left = deadline - time.monotonic()
                if self._eof or left <= 0:
                    why = "program exited" if self._eof else "timeout %gs" % timeout
                    raise Timeout("%s waiting for %s\n--- output tail ---\n%s" % (
                        why, " | ".join(repr(r.pattern) for r in regs),
                        self._text[-2000:]))
                self._cond.wait(min(left, 0.5))

    def expect(self, pattern, timeout):
        return self.expect_any([pattern], timeout)[1]

    def send(self, text):
        try:
            self.proc.stdin.write(text.encode() if isinstance(text, str) else text)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Timeout("program exited before input %r\n--- output tail ---\n%s"
                          % (text, self.tail()))

    def sendline(self, text):
        self.send(text + "\n")

    def wait(self, timeout):
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("timeout %gs waiting for exit\n--- output tail ---\n%s"
                          % (timeout, self.tail()))
        self._reader.join(timeout=2)
        return code

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._reader.join(timeout=2)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        if self._log:
            self._log.close()
            self._log = None


class _Step(argparse.Action):
    def __call__(self, parser, ns, values, option_string=None):
        ns.steps.append((self.dest, values))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        print("qemu-console: missing '-- COMMAND'", file=sys.stderr)
        return 2
    cut = argv.index("--")
    opts, cmd = argv[:cut], argv[cut + 1:]
    if not cmd:
        print("qemu-console: empty COMMAND", file=sys.stderr)
        return 2
    p = argparse.ArgumentParser(prog="qemu-console.py", add_help=True,
                                description="drive a console like expect (see the file header)")
    p.set_defaults(steps=[])
    p.add_argument("-e", "--expect", dest="expect", action=_Step)
    p.add_argument("-s", "--send", dest="send", action=_Step)
    p.add_argument("-r", "--send-raw", dest="raw", action=_Step)
    p.add_argument("-t", "--timeout", dest="timeout", action=_Step, type=float)
    p.add_argument("-x", "--exit", dest="exit", action=_Step, nargs="?", type=int,
                   const=None)
    p.add_argument("-n", "--not", dest="forbid", action=_Step)
    p.add_argument("--log")
    p.add_argument("--echo", action="store_true")
    p.add_argument("--quiet", action="store_true")
    try:
        ns = p.parse_args(opts)
    except SystemExit as e:
        return 0 if e.code == 0 else 2
    timeout = 30.0
    forbidden = []
    try:
        c = Console(cmd, log=ns.log, echo=ns.echo)
    except OSError as e:
        print("qemu-console: cannot run %s: %s" % (cmd[0], e), file=sys.stderr)
        return 1
    step = ""
    try:
        for kind, val in ns.steps:
            step = "%s %r" % (kind, val)
            if kind == "timeout":
                timeout = val
            elif kind == "expect":
                c.expect(val, timeout)
            elif kind == "send":
                c.sendline(val)
            elif kind == "raw":
                c.send(val.encode().decode("unicode_escape"))
            elif kind == "forbid":
                forbidden.append(re.compile(val, re.MULTILINE))
            elif kind == "exit":
                code = c.wait(timeout)
                if val is not None and code != val:
                    raise Timeout("exit status %d, expected %d\n--- output tail ---\n%s"
                                  % (code, val, c.tail()))
            for r in forbidden:
                if r.search(c.output):
                    raise Timeout("forbidden %r appeared\n--- output tail ---\n%s"
                                  % (r.pattern, c.tail()))
            step = ""
        for r in forbidden:
            if r.search(c.output):
                raise Timeout("forbidden %r appeared\n--- output tail ---\n%s"
                              % (r.pattern, c.tail()))
    except Timeout as e:
        print("qemu-console: step %s failed: %s" % (step or "final check", e),
              file=sys.stderr)
        return 1
    finally:
        c.close()
    if not ns.quiet:
        print("qemu-console: all %d steps passed" % len(ns.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
