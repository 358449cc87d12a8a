"""The batch stage: runs the report notebooks, once per cluster, fault-tolerantly.

A generic papermill runner that knows nothing of clusters -- one job (:mod:`.jobs`), where
jobs run (:mod:`.pools`: local processes or Dask), the report folder's lock and atomic
install (:mod:`.folders`), many jobs as one batch (:mod:`.runner`) -- and the cluster-report
batch built on it (:mod:`.cluster_reports`). Imports only from the earlier stages.
"""

from .cluster_reports import notebook_path, run_batch
from .jobs import KERNEL_NAME, NotebookJob, execute_job
from .runner import BatchResult, run_notebooks

__all__ = ["KERNEL_NAME", "NotebookJob", "BatchResult", "execute_job", "run_notebooks",
           "run_batch", "notebook_path"]
