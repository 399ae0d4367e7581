"""Tamper evidence: did student code change how the test cells ran inside the grading kernel?

Student code runs in the same kernel as the test cells, so it can change how later cells run:
IPython input or AST transformers, trace or profile hooks, patched builtins, shell or kernel
methods, a custom exception handler, redefined check helpers (``rel_error``...), a patched
``numpy.testing`` or a patched provided module. Anything the kernel reports about itself can be
forged by code that ran before, so the grader, outside the kernel, combines three kinds of evidence:

1. **Behaviour probes.** After every test cell the grader runs a probe cell the student has never
   seen, with fresh secret values: it calls the helpers that test cell used (and numpy and the
   builtins) on random inputs and prints the results, which the grader checks against its own
   computation, and it ends with an assertion that must fail with a secret message. Errors that
   are hidden, helpers that lie, or assertions that do not fire show up here. Each test cell
   also gets a last line printing a secret value: a test cell "passes" only if it ran to its end.
2. **State probes.** A baseline probe runs before the first cell of the notebook (before any
   student code) and records the identity of the shell's transformers, hooks and methods, the
   builtins and numpy's check functions; every later probe reports them again.
3. **Code of provided modules.** The probes report digests of the code of every function of the
   provided (non-student) modules loaded in the kernel; the grader compiles the release copies
   itself and compares. It also refuses submissions that ship modules shadowing installed ones
   (``numpy.py``, ``sitecustomize.py``), and checks that the provided files did not change.

A test cell that ran after a detected change scores 0, with a ``TamperDetected`` error in the cell
naming what changed. The probe cells and lines are removed from the stored notebook, so feedback
never shows them or their secrets.

What this does not catch: code that recognises the probe cells (it can see their source before
they run) and behaves honestly only there; and forged state reports. The probes are varied and
secret, but not indistinguishable in principle from test cells. See the README's threat model.
"""
import ast
import hashlib
import importlib.util
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path

import builtins as _builtins
import numpy as np

#: ``ename`` of the error put into a test cell that scored 0 because of tampering.
TAMPERED = "TamperDetected"
#: Metadata key of the cells the grader inserts (the kernel never sees metadata).
PROBE_KEY = "cs231n_probe"
#: Modules a submission must not shadow besides the installed ones.
STARTUP_MODULES = {"sitecustomize", "usercustomize", "ipykernel_launcher"}
#: Names of shell methods whose replacement changes how cells run or how errors are shown.
SHELL_METHODS = ["run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
                 "transform_ast", "showtraceback", "_showtraceback", "showsyntaxerror", "should_run_async",
                 "ex", "ev", "safe_execfile", "get_exception_only", "excepthook", "user_expressions"]
KERNEL_METHODS = ["do_execute", "execute_request", "send_response", "_publish_execute_input", "_publish_status"]
NUMPY_CHECKS = ["testing.assert_allclose", "testing.assert_array_equal", "testing.assert_almost_equal",
                "testing.assert_array_almost_equal", "testing.assert_equal", "allclose", "isclose", "array_equal",
                "all", "any", "abs", "max", "min", "mean", "sum", "sqrt", "linalg.norm", "maximum"]
# (``input`` is ipykernel's, replaced on every request; the others are the site module's or IPython's)
STD_BUILTINS = sorted(n for n in dir(_builtins) if not n.startswith("_") and n not in (
    "copyright", "credits", "exit", "quit", "help", "license", "display", "input"))
_DOCSTRINGS = ["Check the result above.", "Checks the values computed above.", "Test of the code above.",
               "Check the shapes and values above.", "Numerical check of the results above."]


def _name(rng):
    return "_" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))


def _array(rng, shape):
    return [round(float(v), 6) for v in (rng.random(int(np.prod(shape))) * 4 - 2)]


class _Rng:
    """secrets-backed random numbers (per-run, never seeded)."""

    def random(self, n):
        return np.array([secrets.randbelow(10**9) / 10**9 for _ in range(n)])

    def choice(self, seq):
        return seq[secrets.randbelow(len(seq))]

    def integer(self, lo, hi):
        return lo + secrets.randbelow(hi - lo)


# --------------------------------------------------------------------------------------------
# helper checks: code run in the kernel, and the value the grader expects


def _helper_checks(rng, names):
    """[(code computing one value from global helpers, expected value or a predicate)] for ``names``."""
    checks = []
    a, b = _array(rng, (3, 4)), _array(rng, (3, 4))
    x = _array(rng, (2, 3))
    coef = [round(v + 2.5, 6) for v in _array(rng, (2, 3))]
    df = _array(rng, (2, 3))
    xa, ca, dfa, aa, ba = np.array(x).reshape(2, 3), np.array(coef).reshape(2, 3), np.array(df).reshape(2, 3), \
        np.array(a).reshape(3, 4), np.array(b).reshape(3, 4)
    if "rel_error" in names:
        want = float(np.max(np.abs(aa - ba) / np.maximum(1e-8, np.abs(aa) + np.abs(ba))))
        checks.append(("rel_error", f"float(rel_error(_np.array({a}).reshape(3, 4), _np.array({b}).reshape(3, 4)))",
                       ("close", want, 1e-9)))
    if "eval_numerical_gradient" in names:
        want = (2 * ca * xa).ravel().tolist()
        checks.append(("eval_numerical_gradient",
                       f"[float(v) for v in eval_numerical_gradient(lambda z: float(_np.sum(_np.array({coef})"
                       f".reshape(2, 3) * z * z)), _np.array({x}).reshape(2, 3), verbose=False).ravel()]",
                       ("close", want, 1e-6)))
    if "eval_numerical_gradient_array" in names:
        want = (2 * ca * xa * dfa).ravel().tolist()
        checks.append(("eval_numerical_gradient_array",
                       f"[float(v) for v in eval_numerical_gradient_array(lambda z: _np.array({coef}).reshape(2, 3)"
                       f" * z * z, _np.array({x}).reshape(2, 3), _np.array({df}).reshape(2, 3)).ravel()]",
                       ("close", want, 1e-6)))
    if "linspace_array" in names:
        lo, hi = round(-rng.random(1)[0], 6), round(rng.random(1)[0] + 0.5, 6)
        want = np.linspace(lo, hi, num=6).tolist()
        checks.append(("linspace_array", f"[float(v) for v in linspace_array((2, 3), {lo}, {hi}).ravel()]",
                       ("close", want, 1e-12)))
    full, quick = rng.integer(10, 10**6), rng.integer(10, 10**6)
    if "bound" in names:  # the autograder checks the full bounds
        checks.append(("bound", f"bound({full}, {quick})", ("equal", full)))
    if "by_mode" in names:  # ... with the quick training sizes
        checks.append(("by_mode", f"by_mode({full}, {quick})", ("equal", quick)))
    if "assert_close" in names:
        checks.append(("assert_close", _raises(f"assert_close(_np.array({a}), _np.array({b}), tol=1e-9)"),
                       ("equal", "AssertionError")))
    # always: numpy's checks and reductions, and a few builtins, on the same secret numbers
    checks.append(("numpy.testing.assert_allclose", _raises(f"_np.testing.assert_allclose(_np.array({a}), "
                                                            f"_np.array({b}))"), ("equal", "AssertionError")))
    checks.append(("numpy.testing.assert_array_equal", _raises(f"_np.testing.assert_array_equal(_np.array({a}), "
                                                               f"_np.array({b}))"), ("equal", "AssertionError")))
    checks.append(("numpy", f"[float(_np.mean(_np.array({a}))), float(_np.max(_np.abs(_np.array({b})))), "
                            f"float(_np.sum(_np.array({x}))), bool(_np.allclose(_np.array({a}), _np.array({b}))), "
                            f"bool(_np.array_equal(_np.array({a}), _np.array({a})))]",
                   ("close", [float(np.mean(a)), float(np.max(np.abs(b))), float(np.sum(x)),
                              bool(np.allclose(a, b)), True], 1e-12)))
    checks.append(("builtins", f"[abs({a[0]}), max({a}), min({b}), len({x}), sum({x}), all([{a[0]} < 9, 1]), "
                               f"sorted({b})[0], isinstance({full}, int), float('{x[1]}')]",
                   ("close", [abs(a[0]), max(a), min(b), len(x), sum(x), True, sorted(b)[0], True, x[1]], 1e-12)))
    return checks


def _raises(expr):
    """Check code for "calling ``expr`` raises": the probe reports the exception's name."""
    return "@@" + expr


def _names_used(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


# --------------------------------------------------------------------------------------------
# what the provided modules should contain


def _code_digest(co):
    h = hashlib.sha256(co.co_code)
    for k in co.co_consts:
        if hasattr(k, "co_code"):
            h.update(_code_digest(k).encode())
        elif isinstance(k, frozenset):
            h.update(repr(sorted(map(repr, k))).encode())
        else:
            h.update(repr(k).encode())
    h.update(repr(co.co_names).encode())
    return h.hexdigest()[:16]


# The same digest, as code for the kernel (kept in step with _code_digest by a unit test).
_DIGEST_SRC = '''\
def {d}(co):
    h = {hl}.sha256(co.co_code)
    for k in co.co_consts:
        if hasattr(k, "co_code"):
            h.update({d}(k).encode())
        elif isinstance(k, frozenset):
            h.update(repr(sorted(map(repr, k))).encode())
        else:
            h.update(repr(k).encode())
    h.update(repr(co.co_names).encode())
    return h.hexdigest()[:16]
'''


def module_digests(path, module):
    """{"module:qualname": digest} for the plain functions and methods of the source file ``path``."""
    source = Path(path).read_text()
    tree = ast.parse(source)
    code = compile(source, str(path), "exec")
    by_qualname = {}

    def walk(co):
        for k in co.co_consts:
            if hasattr(k, "co_code"):
                by_qualname.setdefault(k.co_qualname, k)
                walk(k)
    walk(code)
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.decorator_list and node.name in by_qualname:
            out[f"{module}:{node.name}"] = _code_digest(by_qualname[node.name])
        elif isinstance(node, ast.ClassDef) and not node.decorator_list:
            for item in node.body:
                q = f"{node.name}.{item.name}" if isinstance(item, ast.FunctionDef) else None
                if q and not item.decorator_list and q in by_qualname:
                    out[f"{module}:{q}"] = _code_digest(by_qualname[q])
    return out


def provided_modules(folder, student_files):
    """{module name: path} of the provided .py files of the notebook folder (not the student's)."""
    folder = Path(folder)
    student = {Path(s).as_posix() for s in student_files}
    out = {}
    for f in sorted(folder.rglob("*.py")):
        rel = f.relative_to(folder).as_posix()
        if rel in student or "/." in "/" + rel or ".ipynb_checkpoints" in rel:
            continue
        parts = list(Path(rel).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(p.isidentifier() for p in parts):
            out[".".join(parts)] = f
    return out


def shadowing_modules(folder):
    """Top-level modules or packages in ``folder`` that shadow installed ones (or Python's start-up hooks)."""
    found = []
    for p in sorted(Path(folder).iterdir()):
        if p.suffix in (".py", ".pth", ".so") or (p.is_dir() and (p / "__init__.py").exists()):
            name = p.name.split(".")[0]
            if not name.isidentifier() or name == "cs231n":
                continue
            if name in STARTUP_MODULES or p.suffix == ".pth" or name in sys.stdlib_module_names:
                found.append(p.name)
                continue
            try:
                spec = importlib.util.find_spec(name) if name not in sys.modules else sys.modules[name].__spec__
            except (ImportError, ValueError):
                spec = None
            origin = str(getattr(spec, "origin", None) or "")
            if origin.startswith((sys.prefix, sys.base_prefix)):  # what the kernel's Python would import
                found.append(p.name)
    return found


def file_digests(folder, student_files):
    """{relative path: sha256} of the provided (non-student, non-notebook) files of ``folder``."""
    folder = Path(folder)
    student = {Path(s).as_posix() for s in student_files}
    out = {}
    for f in sorted(folder.rglob("*")):
        rel = f.relative_to(folder).as_posix()
        if f.is_file() and rel not in student and f.suffix not in (".ipynb", ".pyc") and "__pycache__" not in rel:
            out[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


# --------------------------------------------------------------------------------------------
# the probe cells


@dataclass
class Probe:
    """One inserted probe cell and what the grader expects of it."""

    marker: str
    message: str
    checks: list
    baseline: bool = False


@dataclass
class Plan:
    """The instrumentation of one notebook run (kept by the grader, never shown)."""

    probes: dict = field(default_factory=dict)        # probe id -> Probe
    suffixes: dict = field(default_factory=dict)      # test cell grade_id -> (original source, expected line)
    digests: dict = field(default_factory=dict)       # "module:qualname" -> digest (release copies)
    modules: dict = field(default_factory=dict)       # module -> [qualname]


def _state_code(n, modules):
    """Kernel code that fills dict ``n['s']`` with the identities of what could be tampered with."""
    mods = {m: sorted(q.split(":", 1)[1] for q in qs) for m, qs in modules.items()}
    return f'''\
{n['sh']} = get_ipython()
{n['s']} = {{}}
{n['s']}["trace"] = [repr(f) for f in ({n['sys']}.gettrace(), {n['sys']}.getprofile(),
    getattr({n['th']}, "_trace_hook", None), getattr({n['th']}, "_profile_hook", None)) if f is not None]
{n['s']}["monitoring"] = [t for t in range(6) if hasattr({n['sys']}, "monitoring")
    and {n['sys']}.monitoring.get_tool(t) is not None]
{n['s']}["ast"] = [repr(t) for t in {n['sh']}.ast_transformers]
{n['s']}["custom_exc"] = repr({n['sh']}.custom_exceptions)
{n['s']}["input"] = [id(t) for l in ({n['sh']}.input_transformers_cleanup, {n['sh']}.input_transformers_post,
    {n['sh']}.input_transformer_manager.cleanup_transforms, {n['sh']}.input_transformer_manager.line_transforms,
    {n['sh']}.input_transformer_manager.token_transformers) for t in l]
{n['s']}["shell"] = {{k: id({n['ins']}.getattr_static({n['sh']}, k, None)) for k in {SHELL_METHODS!r}}}
{n['s']}["kernel"] = {{k: id({n['ins']}.getattr_static({n['sh']}.kernel, k, None)) for k in {KERNEL_METHODS!r}}}
{n['s']}["hooks"] = {{k: id(v) for k, v in (("sys.displayhook", {n['sys']}.displayhook), ("sys.stdout", {n['sys']}.stdout), ("sys.stderr", {n['sys']}.stderr),
    ("displayhook", {n['sh']}.displayhook), ("display_pub", {n['sh']}.display_pub),
    ("session.send", {n['ins']}.getattr_static({n['sh']}.kernel.session, "send", None)),
    ("stdout.write", type({n['sys']}.stdout).write), ("compile", {n['sh']}.compile))}}
{n['s']}["builtins"] = {{k: id(getattr({n['bi']}, k, None)) for k in {STD_BUILTINS!r}}}
{n['s']}["numpy"] = {{k: id({n['fq']}(k)) for k in {NUMPY_CHECKS!r}}}
{n['s']}["numpy_module"] = {n['sys']}.modules.get("numpy") is {n['np']} and {n['sys']}.modules.get(
    "numpy.testing") is {n['np']}.testing
{_DIGEST_SRC.format(d=n['dg'], hl=n['hl'])}
{n['s']}["code"] = {{}}
for {n['m']}, {n['qs']} in {mods!r}.items():
    {n['mo']} = {n['sys']}.modules.get({n['m']})
    if {n['mo']} is None:
        continue
    for {n['q']} in {n['qs']}:
        {n['o']} = {n['mo']}
        for {n['p']} in {n['q']}.split("."):
            {n['o']} = {n['ins']}.getattr_static({n['o']}, {n['p']}, None)
        {n['o']} = getattr({n['o']}, "__func__", {n['o']})
        {n['s']}["code"][{n['m']} + ":" + {n['q']}] = {n['dg']}({n['o']}.__code__) if hasattr({n['o']}, "__code__") else "absent"
'''


def _probe_source(rng, probe, modules, with_state=True):
    keys = ["sh", "s", "sys", "th", "ins", "bi", "np", "fq", "dg", "hl", "m", "qs", "mo", "q", "o", "p", "r", "e",
            "c", "f", "v"]
    n = {k: _name(rng) for k in keys}
    lines = [f'"""{rng.choice(_DOCSTRINGS)}"""',
             f"import sys as {n['sys']}, threading as {n['th']}, inspect as {n['ins']}, builtins as {n['bi']}, "
             f"hashlib as {n['hl']}",
             f"import numpy as {n['np']}, numpy.testing",
             f"{n['fq']} = lambda k: {n['ins']}.getattr_static({n['np']}.testing, k[8:], None) "
             f"if k.startswith('testing.') else ({n['ins']}.getattr_static({n['np']}.linalg, 'norm', None) "
             f"if k == 'linalg.norm' else {n['ins']}.getattr_static({n['np']}, k, None))"]
    if with_state:
        lines.append(_state_code(n, modules))
    lines.append(f"{n['r']} = {{}}")
    lines.append(f"def {n['c']}({n['f']}):\n    try:\n        {n['f']}()\n    except AssertionError:\n"
                 f"        return 'AssertionError'\n    except Exception as {n['e']}:\n"
                 f"        return type({n['e']}).__name__\n    return 'no error'")
    lines.append(f"def {n['v']}({n['f']}):\n    try:\n        return {n['f']}()\n    except Exception as {n['e']}:\n"
                 f"        return 'raised ' + type({n['e']}).__name__")
    for label, code, _ in probe.checks:
        code = code.replace("_np.", f"{n['np']}.")
        if code.startswith("@@"):
            code = f"{n['c']}(lambda: {code[2:]})"
        else:
            code = f"{n['v']}(lambda: {code})"
        lines.append(f"{n['r']}[{label!r}] = ({code}) if {label.split('.')[0]!r} in globals() or "
                     f"{label!r} in ('numpy', 'builtins') or {label!r}.startswith('numpy.') else 'absent'")
    state = f"{n['s']}" if with_state else "None"
    lines.append(f"print({probe.marker!r}, repr(({n['r']}, {state})))")
    lines.append(f"del {n['c']}, {n['v']}, {n['fq']}" + (f", {n['dg']}, {n['sh']}" if with_state else ""))
    lines.append(f"assert len({n['r']}) < 0, {probe.message!r}")
    return "\n".join(line for line in lines if line)


def instrument(nb, folder, student_files):
    """Insert the probe cells into ``nb`` (in place) and append the end line to each test cell.

    Returns the :class:`Plan` the grader needs to judge the run. ``folder`` is the notebook's folder
    (its provided modules are compiled here, from the copies restored from the release).
    """
    rng = _Rng()
    plan = Plan()
    for module, path in provided_modules(folder, student_files).items():
        try:
            digests = module_digests(path, module)
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        plan.digests.update(digests)
        if digests:
            plan.modules[module] = sorted(digests)
    import nbformat

    def new_probe(checks, baseline=False):
        pid = secrets.token_hex(8)
        words = rng.choice(["relative error too large", "values differ from the expected ones",
                            "shape or value mismatch", "gradient check failed", "result out of bounds"])
        probe = Probe(marker=f"{rng.integer(10**7, 10**8)}:", checks=checks, baseline=baseline,
                      message=f"{words} ({rng.integer(10**8, 10**9)} vs {rng.integer(10**8, 10**9)})")
        plan.probes[pid] = probe
        cell = nbformat.v4.new_code_cell(_probe_source(rng, probe, plan.modules))
        cell.metadata[PROBE_KEY] = pid
        return cell

    # every probe checks the helpers any test cell calls: one redefined before the first test is caught there
    used = set()
    for c in nb.cells:
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"):
            used |= _names_used(c.source)
    cells = [new_probe(_helper_checks(rng, set()), baseline=True)]
    for c in nb.cells:
        cells.append(c)
        md = c.metadata.get("nbgrader", {})
        if c.cell_type != "code" or not md.get("grade"):
            continue
        source = c.source
        try:
            tree = ast.parse(source)
        except SyntaxError:
            tree = None
        if tree is not None and tree.body and not isinstance(tree.body[-1], ast.Expr):
            a, b = rng.integer(10**8, 10**9), rng.integer(10**8, 10**9)
            plan.suffixes[md.get("grade_id", str(id(c)))] = (source, str(a ^ b))
            c.source = source + f"\nprint({a} ^ {b})"
        cells.append(new_probe(_helper_checks(rng, used)))
    nb.cells = cells
    return plan


# --------------------------------------------------------------------------------------------
# judging the run


def _stdout(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _judge_probe(cell, probe, baseline_state, digests):
    """(problems, state) for one executed probe cell; problems name what changed."""
    errors = _errors(cell)
    if any(e.get("ename") in ("KernelDied", "CellTimeoutError", "DeadKernelError") for e in errors):
        return None, None  # the kernel died or hung before or in the probe: reported as such, not as tampering
    problems = []
    line = next((ln for ln in _stdout(cell).splitlines() if ln.startswith(probe.marker + " ")), None)
    values, state = {}, None
    if line is None:
        problems.append("the grader's check printed nothing (output hidden or the cell altered)")
    else:
        try:
            values, state = ast.literal_eval(line[len(probe.marker) + 1:])
        except (ValueError, SyntaxError):
            problems.append("the grader's check printed something else (print or output altered)")
    for label, _, (kind, want, *tol) in probe.checks:
        got = values.get(label, "missing")
        if got == "absent" and label not in ("numpy", "builtins") and not label.startswith("numpy."):
            continue
        if kind == "close":
            try:
                w, g = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
                ok = w.shape == g.shape and bool(np.all(np.abs(w - g) <= tol[0] * (1 + np.abs(w))))
            except (TypeError, ValueError):
                ok = False
        else:
            ok = got == want
        if not ok and line is not None:
            problems.append(f"{label} gives wrong results (redefined or patched)")
    if not (len(errors) == 1 and errors[0].get("ename") == "AssertionError"
            and probe.message in errors[0].get("evalue", "")):
        other = [e.get("ename", "?") for e in errors if e.get("ename") != "AssertionError"]
        problems.append("a failing assertion did not show as an error (errors hidden or assertions disabled)"
                        if not other else f"the grader's check failed with {other[0]} (something it uses was changed)")
    if state is not None and baseline_state is not None:
        problems += _compare_state(baseline_state, state)
    if state is not None:
        for key, got in state.get("code", {}).items():
            if key in digests and got != digests[key]:
                problems.append(f"{key.replace(':', '.')} is not the release's code (patched or redefined)")
    return problems, state


def _compare_state(base, now):
    out = []
    if now.get("trace"):
        out.append("a trace or profile hook is set (sys.settrace/setprofile or threading)")
    if now.get("monitoring"):
        out.append("a sys.monitoring tool is registered")
    if now.get("ast") != base.get("ast"):
        out.append("IPython AST transformers were added")
    if now.get("custom_exc") != base.get("custom_exc"):
        out.append("a custom exception handler was set (set_custom_exc)")
    if now.get("input") != base.get("input"):
        out.append("IPython input transformers were changed")
    if not now.get("numpy_module", False):
        out.append("numpy or numpy.testing was replaced in sys.modules")
    for group, what in (("shell", "IPython shell method"), ("kernel", "kernel method"), ("hooks", "output hook"),
                        ("builtins", "builtin"), ("numpy", "numpy function")):
        changed = sorted(k for k, v in now.get(group, {}).items() if base.get(group, {}).get(k) != v)
        if changed:
            out.append(f"{what}{'s' if len(changed) > 1 else ''} replaced: {', '.join(changed[:6])}")
    return out


def judge(nb, plan, outside_problems=()):
    """Judge an executed instrumented notebook; put a TamperDetected error into tampered test cells.

    Returns the notes (one per detection). ``outside_problems`` are found by the grader outside the
    kernel (shadowing modules, changed provided files) and cost every test cell.
    """
    notes = []
    baseline = None
    flagged = list(outside_problems)  # once non-empty, every later test cell scores 0
    pending = []  # test cells since the last good probe
    for cell in nb.cells:
        pid = cell.metadata.get(PROBE_KEY)
        if pid is None:
            md = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and md.get("grade"):
                expected = plan.suffixes.get(md.get("grade_id"))
                if (expected and not _errors(cell) and cell.get("execution_count") is not None
                        and expected[1] not in _stdout(cell).splitlines()):
                    pending.append((cell, ["the test cell stopped before its end without an error "
                                           "(an error was hidden)"]))
                else:
                    pending.append((cell, []))
                if flagged:
                    _mark(cell, flagged)
            continue
        probe = plan.probes[pid]
        problems, state = _judge_probe(cell, probe, baseline, plan.digests)
        if probe.baseline:
            baseline = state
            if problems:
                notes.append("the grader's start-up check failed: " + "; ".join(problems))
            continue
        cell_problems = [p for _, ps in pending for p in ps]
        if problems is not None and (problems or cell_problems) and not flagged:
            flagged = sorted(set(cell_problems + problems))
            for c, _ in pending:
                _mark(c, flagged)
        pending = []
    if flagged:
        notes.append("tampering detected, test cells from there on scored 0: " + "; ".join(flagged))
    return notes


def _mark(cell, problems):
    text = "this test cell ran after the kernel was tampered with: " + "; ".join(problems)
    if any(o.get("ename") == TAMPERED for o in _errors(cell)):
        return
    import nbformat
    cell.setdefault("outputs", []).append(nbformat.NotebookNode(
        output_type="error", ename=TAMPERED, evalue=text, traceback=[f"{TAMPERED}: {text}"]))


def strip(nb, plan):
    """Remove the probe cells and the end lines, so the stored notebook shows none of them."""
    kept = []
    for cell in nb.cells:
        if PROBE_KEY in cell.metadata:
            continue
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in plan.suffixes:
            source, line = plan.suffixes[gid]
            cell.source = source
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and o.get("name") == "stdout":
                    lines = o.text.splitlines(keepends=True)
                    o.text = "".join(ln for ln in lines if ln.rstrip("\n") != line)
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream"
                                                                        and o.get("text") == "")]
        kept.append(cell)
    nb.cells = kept
    count = 0
    for cell in nb.cells:  # renumber, so no gap shows where a probe ran
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for o in cell.get("outputs", []):
                if "execution_count" in o:
                    o["execution_count"] = count
    return nb


def notes_from_notebook(nb_json):
    """Report lines for a graded notebook (a dict): the TamperDetected errors, once per notebook."""
    for c in nb_json.get("cells", []):
        for o in c.get("outputs", []):
            if o.get("ename") == TAMPERED:
                return [o.get("evalue", "").replace("this test cell ran after the kernel was tampered with",
                                                    "tampering detected; test cells from there on scored 0")]
    return []
