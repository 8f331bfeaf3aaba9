"""Reads pip requirement files the way pip does and says where one would do more than intended.

stdin: a JSON list of cases {"text": file content, "lines": the logical lines the file must hold}.
stdout: a JSON list, per case, of problems {"kind", "detail"} (empty when pip reads exactly the
intended lines). Kinds:
- "env": pip expanded a ${VAR} from the environment into a line (a definition read a host variable);
- "splice": pip reads other lines than meant (a backslash joined two, " #" cut one short...);
- "option": a requirement line carries pip options, or an option line more than one option;
- "parse": a requirement line is not one pip can parse.
"""

import json
import os
import re
import shlex
import sys

from pip._internal.req.req_file import break_args_options, preprocess
from pip._vendor.packaging.requirements import Requirement

ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
# Option lines that take one argument of their own.
WITH_ARGUMENT = {"-c", "--constraint", "-e", "--editable"}

cases = json.load(sys.stdin)
out = []
for case in cases:
    problems = []
    got = [line for _, line in preprocess(case["text"])]
    want = case["lines"]
    if got != want:
        expanded = [ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), line) for line in want]
        kind = "env" if expanded == got else "splice"
        problems.append({"kind": kind, "detail": "pip reads %r, the file meant %r" % (got, want)})
    for line in got:
        if line.startswith("-"):
            tokens = shlex.split(line)
            if len(tokens) != 1 and not (tokens[0] in WITH_ARGUMENT and len(tokens) == 2):
                problems.append({"kind": "option", "detail": "option line %r holds %d arguments" % (line, len(tokens))})
            continue
        args, options = break_args_options(line)
        if options.strip():
            problems.append({"kind": "option", "detail": "requirement %r carries options %r" % (line, options)})
        try:
            Requirement(args)
        except Exception as error:  # noqa: BLE001 - any refusal by packaging is the finding
            problems.append({"kind": "parse", "detail": "requirement %r does not parse: %s" % (args, error)})
    out.append(problems)
json.dump(out, sys.stdout)
