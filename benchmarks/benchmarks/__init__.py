"""asv suites of cactivations (see ../asv.conf.json).

One thread for everyone, as in the project's timing method: set before NumPy,
the peers or cactivations are imported (an explicit setting is kept).
"""

import os

for _name in ("OMP_NUM_THREADS", "CACTIVATIONS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
