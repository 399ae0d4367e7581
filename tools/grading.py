"""nbgrader plug-ins used by the kit's autograder configuration."""
from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from nbgrader.preprocessors.execute import UnresponsiveKernelError

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
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.get("execution_count") is None:
                    cell.setdefault("outputs", []).append(NotebookNode(
                        output_type="error", ename=KERNEL_DIED, evalue=message,
                        traceback=[f"{KERNEL_DIED}: {message}"]))
            return nb, resources
