"""nbgrader plug-ins used by the kit's autograder configuration."""
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute, OverwriteCells
from nbgrader.preprocessors.execute import UnresponsiveKernelError
from traitlets import Bool, Dict

#: ``ename`` of the error put into every cell that did not run because the kernel died.
KERNEL_DIED = "KernelDied"


class RobustExecute(Execute):
    """nbgrader's Execute, except that a dying kernel does not fail the whole notebook.

    nbgrader drops a student's whole submission when the kernel dies (os._exit,
    a segfault, the out-of-memory killer): no grades at all. Here the cells that
    ran keep their results, and every cell that did not run gets an error
    output, so its tests score 0 (a test cell with no output would otherwise
    count as passed).
    """

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km)
        except (DeadKernelError, UnresponsiveKernelError) as e:
            self.log.error("The kernel died (%s): cells that did not run score 0", e)
            message = f"The kernel died ({type(e).__name__}: {e}); this cell did not run."
            if getattr(km or self.km, "total_time_exceeded", False):
                message = (f"The notebook ran past its total time limit of {(km or self.km).total_time:g} s and "
                           f"was stopped; this cell did not run.")
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.get("execution_count") is None:
                    cell.setdefault("outputs", []).append(NotebookNode(
                        output_type="error", ename=KERNEL_DIED, evalue=message,
                        traceback=[f"{KERNEL_DIED}: {message}"]))
            return nb, resources


class TrustedExecute(RobustExecute):
    """RobustExecute plus tamper evidence (``tools/course/tamper.py``).

    Before the run it inserts the grader's probe cells and checks the notebook's folder from
    outside the kernel; after it, test cells that ran after a detected change get a
    ``TamperDetected`` error (so they score 0) and the probes are removed from the notebook.
    """

    tamper_check = Bool(True, help="insert and judge the tamper probes").tag(config=True)
    student_files = Dict(help="{assignment: [files relative to the notebook folder]} students edit; every "
                              "other .py file there is provided and must run unchanged").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        if not self.tamper_check:
            return super().preprocess(nb, resources, km)
        from tools.course import tamper

        from tools.course.sandbox import files_for

        folder = (resources or {}).get("metadata", {}).get("path") or "."
        student = files_for(self.student_files, folder)
        shadowing = tamper.shadowing_modules(folder)
        before = tamper.file_digests(folder, student)
        plan = tamper.instrument(nb, folder, student)
        try:
            nb, resources = super().preprocess(nb, resources, km)
            outside = []
            if shadowing:
                outside.append("the submission ships modules that replace installed ones: " + ", ".join(shadowing))
            after = tamper.file_digests(folder, student)
            changed = sorted(k for k, v in before.items() if after.get(k) != v)
            if changed:
                outside.append("provided files were changed or removed during grading: " + ", ".join(changed[:6]))
            for note in tamper.judge(nb, plan, outside):
                self.log.warning("%s", note)
        finally:
            tamper.strip(nb, plan)
        return nb, resources


class RestoringOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, putting a deleted test cell back wherever it stood.

    nbgrader 0.9.6 inserts a missing grade cell after the cell that precedes it in the source
    notebook, but looks that cell up among the submitted grade and solution cells only. When the
    test follows a locked read-only cell (the usual "run the check" cell before a test), autograde
    stops with a ``KeyError`` and the whole notebook scores 0. Here the cell goes after the nearest
    earlier source cell still in the submission (any cell with a ``grade_id``), or first if none is.
    """

    def add_missing_grade_cells(self, nb, resources):
        source_nb = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        source_cells = source_nb.source_cells  # every cell with a grade_id, in notebook order
        grade_cells = {cell.name: cell for cell in source_nb.grade_cells}
        solution_ids = {cell.name for cell in source_nb.solution_cells}
        for position, source_cell in enumerate(source_cells):
            if source_cell.name not in grade_cells:
                continue
            present = {c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(nb.cells)}
            if source_cell.name in present:
                continue
            self.log.warning("Missing grade cell %s encountered, adding to notebook", source_cell.name)
            where = 0
            for earlier in reversed(source_cells[:position]):
                if earlier.name in present:
                    where = present[earlier.name] + 1
                    break
            nb.cells.insert(where, self.missing_cell_transform(
                source_cell, grade_cells[source_cell.name].max_score, is_solution=source_cell.name in solution_ids))
        return nb, resources
