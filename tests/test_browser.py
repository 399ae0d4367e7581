"""The kit in a real browser: a student's and an instructor's day in JupyterLab, end to end.

Headless Chromium (Debian's `chromium`, driven by Playwright) against a JupyterLab server each test
starts on 127.0.0.1 with a random port and token:

* student: in a copy of the assignment 1 release, open two_layer_net.ipynb, run the set-up cell, see
  the untouched stub fail with a short, readable NotImplementedError naming the function and file,
  type the solution into cs231n/layers.py in JupyterLab's file editor, re-run and see the test pass,
  train with the Solver and see tqdm's bar render as a widget, press nbgrader's Validate button and
  read the result dialog; the same (without the training) on assignment 2's Dropout.ipynb, whose
  solution spans two branches of dropout_forward far down cs231n/layers.py;
* instructor: on a graded course folder, open Formgrader, open the untouched submission, give a
  manual score and a comment on an inline answer, and find the score in `export`'s CSV.

Screenshots of every step go to build/test-artifacts/browser/ (docs/screenshots/ holds three of
them, cropped, for the README). Without Chromium or Playwright these tests skip, except under
CS231N_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""
import csv
import re
import shutil
import time

import pytest

from browser_kit import ARTIFACTS, CHROMIUM_ARGS, ROOT, JupyterLab, Lab, require_browser
from tools import course as C

ASSIGNMENT = "assignment1"
NOTEBOOK = "two_layer_net"
pytestmark = pytest.mark.slow

# What a student types into cs231n/layers.py (the reference's one line).
AFFINE_FORWARD = "out = x.reshape(x.shape[0], -1) @ w + b"
# What a student types into the notebook's Solver cell (the reference solution, quick-mode sized).
SOLVER_CELL = ('np.random.seed(231)\n'
               'solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-3}, '
               'lr_decay=0.95, num_epochs=by_mode(10, 1), batch_size=100, print_every=100, '
               'num_train_samples=1000, verbose=True)\n'
               'solver.train()\n')


@pytest.fixture(scope="module")
def browser():
    sync_playwright, chromium = require_browser()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("course")
    C.release(path, ASSIGNMENT)
    return path


@pytest.fixture(scope="module")
def course2(tmp_path_factory, cifar10_dir):
    path = tmp_path_factory.mktemp("course2")
    C.release(path, "assignment2")
    return path


@pytest.fixture
def lab_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_for(predicate, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


def kernel_env(cifar10_dir, **extra):
    """Environment of the server (and so of its kernels and of nbgrader validate)."""
    from pathlib import Path
    return {"CS231N_DATASETS_DIR": str(Path(cifar10_dir).parent), "CS231N_QUICK": "1", **extra}


def open_in_editor(page, rel):
    """Open ``rel`` (a path under the server's root) in JupyterLab's file editor through the file browser."""
    parts = rel.split("/")
    page.locator(".jp-BreadCrumbs-home").click()
    for name in parts:
        page.locator(f".jp-DirListing-item[title^='Name: {name}']").dblclick()
    editor = page.locator(".jp-FileEditor .cm-content")
    editor.wait_for()
    return editor


def find_in_editor(page, editor, text):
    """Scroll the file editor down (mouse wheel) to the first line holding ``text``; returns that line.

    CodeMirror renders only the lines near the viewport, so a line far down is not in the page yet.
    """
    editor.hover()
    line = editor.locator(".cm-line", has_text=text).first
    for _ in range(100):
        if line.count():
            line.scroll_into_view_if_needed()
            return line
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
    raise AssertionError(f"no line with {text!r} in the editor")


def type_over(page, line, text):
    """Replace the text of one editor line (a stub) by ``text``, typed key by key (Enter auto-indents)."""
    line.click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    for k, piece in enumerate(text.split("\n")):
        if k:
            page.keyboard.press("Enter")
        page.keyboard.type(piece)


def student_copy(course, dest, assignment=ASSIGNMENT):
    """A student's folder: the release, plus the compiled extension a student builds in it.

    `pip install -e .` of the release is not repeated (the kit's venv already has every requirement);
    instead the server runs in the copy with PYTHONPATH pointing at it, so `import cs231n` in a
    kernel is the release's package with its stubs (the test checks the path in the traceback).
    """
    shutil.copytree(course / "release" / assignment, dest)
    for so in (ROOT / "cs231n").glob("im2col_cython*.so"):  # what `python setup.py build_ext --inplace` makes
        shutil.copy2(so, dest / "cs231n" / so.name)
    return dest


def test_student_day_two_layer_net(course, lab_page, cifar10_dir, tmp_path):
    from playwright.sync_api import expect

    student = student_copy(course, tmp_path / "student")
    env = kernel_env(cifar10_dir, PYTHONPATH=str(student))
    with JupyterLab(student, tmp_path / "jupyter-home", env, log_name="student-server") as server:
        lab = Lab(lab_page, server, ARTIFACTS / "student")
        with lab.shot_on_failure():
            page = lab_page
            lab.open(f"{NOTEBOOK}.ipynb")
            lab.shot("notebook-open")

            setup = lab.run(lab.cell("Set-up: run this cell first"))
            assert "set-up done; run mode: quick" in lab.output(setup)

            # The untouched stub: one short error naming the function, the file and the notebook.
            run_cell = lab.run(lab.cell("from cs231n.layers import affine_backward, affine_forward"))
            error = lab.error_output(run_cell)
            assert ("NotImplementedError: affine_forward in cs231n/layers.py: write this part of the function "
                    "(see two_layer_net.ipynb)") in error, error
            assert str(student / "cs231n" / "layers.py") in error, f"not the release's package:\n{error}"
            lines = [line for line in error.splitlines() if line.strip()]
            assert len(lines) <= 8, f"the error is a wall of {len(lines)} lines:\n{error}"
            run_cell.scroll_into_view_if_needed()
            lab.shot("stub-error", run_cell)

            # Type the solution into cs231n/layers.py in JupyterLab's file editor, and save.
            editor = open_in_editor(page, "cs231n/layers.py")
            type_over(page, editor.locator(".cm-line", has_text="raise NotImplementedError('affine_forward"),
                      AFFINE_FORWARD)
            page.keyboard.press("Control+s")
            layers = student / "cs231n" / "layers.py"
            wait_for(lambda: f"    {AFFINE_FORWARD}\n" in layers.read_text(), "the saved layers.py")
            expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)
            page.locator(".jp-FileEditor .cm-scroller").evaluate("e => { e.scrollLeft = 0; }")  # End scrolled it
            lab.shot("editor-solution")

            # Back in the notebook: the same cells now pass (autoreload picks up the saved file).
            page.locator(".lm-TabBar-tab", has_text=f"{NOTEBOOK}.ipynb").click()
            run_cell = lab.run(lab.cell("from cs231n.layers import affine_backward, affine_forward"))
            assert lab.error_output(run_cell) == "" and "difference:" in lab.output(run_cell)
            test_cell = lab.run(lab.cell('"""affine_forward matches the reference output."""'))
            assert lab.error_output(test_cell) == "", lab.error_output(test_cell)
            test_cell.scroll_into_view_if_needed()
            lab.shot("test-passes")

            # The rest of the week's work (every other function of layers.py and fc_net.py), then the Solver
            # cell typed in and run: its progress bar must render as a widget, not as text.
            for rel in ("cs231n/layers.py", "cs231n/classifiers/fc_net.py"):
                shutil.copy(ROOT / rel, student / rel)  # a fresh mtime, so autoreload sees the change
            lab.run(lab.cell("data = get_CIFAR10_data()"))
            lab.run(lab.cell("from cs231n.classifiers.fc_net import TwoLayerNet"))
            solver_cell = lab.cell("from cs231n.solver import Solver")
            solver_cell.locator(".cm-line", has_text="raise NotImplementedError()").click()
            page.keyboard.press("End")
            page.keyboard.press("Shift+Home")
            page.keyboard.insert_text(SOLVER_CELL)
            solver_cell.locator(".jp-InputArea-prompt").click()
            page.keyboard.press("Shift+Enter")
            bar = solver_cell.locator(".widget-hprogress, .widget-progress").first
            bar.wait_for(timeout=60_000)
            solver_cell.scroll_into_view_if_needed()
            lab.shot("training-progress-bar", solver_cell)
            expect(solver_cell.locator(".jp-InputArea-prompt")).to_have_text(re.compile(r"\[\d+\]:"), timeout=120_000)
            out = lab.output(solver_cell)
            assert lab.error_output(solver_cell) == "", lab.error_output(solver_cell)
            for text in ("HBox(", "Loading widget", "Error displaying widget", "it/s]"):
                assert text not in out, f"the progress bar did not render as a widget ({text!r} in the output):\n{out}"
            assert re.search(r"training:\s*100%", out) and re.search(r"\b(\d+)/\1\b", out), out

            # nbgrader's Validate button: it runs the saved notebook and reports in a dialog. The tuning
            # cell and the saved-model test are not done yet, so validation reports them.
            page.keyboard.press("Control+s")
            expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)
            page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-item", has_text="Validate").click()
            dialog = page.locator(".jp-Dialog")
            dialog.wait_for(timeout=180_000)
            text = dialog.inner_text()
            lab.shot("validate-dialog")
            assert "Validat" in text, text
            assert "NotImplementedError" in text or "failed" in text.lower(), text
            dialog.locator("button").last.click()


def test_instructor_grades_an_inline_answer_in_formgrader(course, lab_page, cifar10_dir, tmp_path):
    from nbgrader.api import Gradebook
    from playwright.sync_api import expect

    # A small graded course: a reference and an untouched submission, one notebook autograded.
    rel = course / "release" / ASSIGNMENT
    C.make_submission(course, ASSIGNMENT, "reference", rel, C.reference_overlay(ASSIGNMENT))
    C.make_submission(course, ASSIGNMENT, "untouched", rel)
    start = time.monotonic()
    notes = C.autograde(course, ASSIGNMENT, jobs=2, notebook=NOTEBOOK, progress=False)
    print(f"autograde of {NOTEBOOK}, two students: {time.monotonic() - start:.1f} s")
    assert not any(notes.values()), notes
    untouched = C.grade_table(course, ASSIGNMENT)["untouched"][NOTEBOOK]
    assert untouched[0] == 0, f"the untouched release scored {untouched}"

    score, comment = 1.5, "Right about sigmoid; now say which input stops the ReLU gradient."
    with JupyterLab(course, tmp_path / "jupyter-home", kernel_env(cifar10_dir), log_name="instructor-server") as server:
        page = lab_page
        lab = Lab(page, server, ARTIFACTS / "instructor")
        with lab.shot_on_failure():
            page.goto(server.page_url("lab"))
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            page.locator(".lm-Menu-item[data-command='nbgrader:open-formgrader']").click()
            frame = page.frame_locator(".jp-MainAreaWidget iframe")
            frame.get_by_text("Manual Grading").first.wait_for()
            page.keyboard.press("Control+b")  # hide the file browser: more room for Formgrader
            lab.shot("formgrader-open")

            frame.locator("a", has_text="Manual Grading").first.click()
            frame.locator("a", has_text=ASSIGNMENT).first.click()
            frame.locator("a", has_text=NOTEBOOK).first.click()
            expect(frame.locator("tbody tr")).to_have_count(2)  # the table is filled in after the page loads
            frame.get_by_text("Show All Names").click()
            row = frame.locator("tbody tr", has=frame.locator("a.name-shown", has_text="untouched"))
            expect(row.locator("a.name-shown")).to_be_visible()
            expect(row).to_contain_text("0 / 26")  # 22 autograded points + two inline questions of 2
            lab.shot("formgrader-submissions")
            row.locator("a.name-shown").click()

            # Inline question 1 of the untouched submission: a manual score and a comment.
            points = frame.locator("#tln-iq1")
            expect(points).to_have_attribute("placeholder", "0")  # the page has loaded the grades (typing earlier is lost)
            points.fill(f"{score:g}")
            points.press("Tab")
            frame.locator("#tln-iq1-comment").fill(comment)
            frame.locator("#tln-iq1-comment").press("Tab")
            panel = frame.locator("div.nbgrader_cell", has=frame.locator("#tln-iq1"))
            panel.scroll_into_view_if_needed()

            def saved():
                with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n") as gb:
                    g = gb.find_grade("tln-iq1", NOTEBOOK, ASSIGNMENT, "untouched")
                    c = gb.find_comment("tln-iq1", NOTEBOOK, ASSIGNMENT, "untouched")
                    return g.manual_score == score and c.manual_comment == comment

            wait_for(saved, "Formgrader to save the score and the comment in the gradebook")
            lab.shot("formgrader-manual-grade", panel)

    # The manual score reaches the exported grades.
    with open(C.export(course, tmp_path / "grades.csv"), newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f) if r["assignment"] == ASSIGNMENT}
    assert float(rows["untouched"]["score"]) == score, rows["untouched"]
    assert float(rows["untouched"]["raw_score"]) == score, rows["untouched"]


DROPOUT_TRAIN = "mask = (rand(*x.shape) < p) / p\nout = x * mask"
DROPOUT_TEST = "out = x"


def test_student_day_dropout(course2, lab_page, cifar10_dir, tmp_path):
    """Assignment 2: the stub's error, dropout_forward typed into layers.py, the tests pass, Validate."""
    from playwright.sync_api import expect

    student = student_copy(course2, tmp_path / "student", "assignment2")
    env = kernel_env(cifar10_dir, PYTHONPATH=str(student))
    with JupyterLab(student, tmp_path / "jupyter-home", env, log_name="student-a2-server") as server:
        page = lab_page
        lab = Lab(page, server, ARTIFACTS / "student-a2")
        with lab.shot_on_failure():
            lab.open("Dropout.ipynb")
            setup = lab.run(lab.cell("setup_notebook()"))
            assert "set-up done; run mode: quick" in lab.output(setup), lab.output(setup) + lab.error_output(setup)

            run_cell = lab.run(lab.cell('out, _ = dropout_forward(x, {"mode": "train", "p": p})'))
            error = lab.error_output(run_cell)
            assert "NotImplementedError: dropout_forward in cs231n/layers.py" in error, error
            assert str(student / "cs231n" / "layers.py") in error, f"not the release's package:\n{error}"
            lines = [line for line in error.splitlines() if line.strip()]
            assert len(lines) <= 8, f"the error is a wall of {len(lines)} lines:\n{error}"
            lab.shot("stub-error", run_cell)

            editor = open_in_editor(page, "cs231n/layers.py")
            stub = "raise NotImplementedError('dropout_forward"
            type_over(page, find_in_editor(page, editor, stub), DROPOUT_TRAIN)  # the training-time branch
            type_over(page, find_in_editor(page, editor, stub), DROPOUT_TEST)  # then the test-time one
            page.keyboard.press("Control+s")
            layers = student / "cs231n" / "layers.py"
            expected = ("        mask = (rand(*x.shape) < p) / p\n        out = x * mask\n", "        out = x\n")
            wait_for(lambda: all(e in layers.read_text() for e in expected), "the saved layers.py")
            expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)
            page.locator(".jp-FileEditor .cm-scroller").evaluate("e => { e.scrollLeft = 0; }")  # End scrolled it
            lab.shot("editor-solution")

            page.locator(".lm-TabBar-tab", has_text="Dropout.ipynb").click()
            run_cell = lab.run(lab.cell('out, _ = dropout_forward(x, {"mode": "train", "p": p})'))
            assert lab.error_output(run_cell) == "", lab.error_output(run_cell)
            test_cell = lab.run(lab.cell('"""dropout_forward keeps a fraction p'))
            assert lab.error_output(test_cell) == "", lab.error_output(test_cell)
            test_cell.scroll_into_view_if_needed()
            lab.shot("test-passes")

            page.keyboard.press("Control+s")
            expect(page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty")).to_have_count(0)
            page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-item", has_text="Validate").click()
            dialog = page.locator(".jp-Dialog")
            dialog.wait_for(timeout=180_000)
            text = dialog.inner_text()
            lab.shot("validate-dialog")
            assert "Validation Results" in text, text
            assert "NotImplementedError" in text or "You did not provide a response" in text, text
            dialog.locator("button").last.click()
