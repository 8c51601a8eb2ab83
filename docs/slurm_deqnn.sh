#!/bin/sh
# deqnn under Slurm with MPI (docs/network.md, "Past one machine"): one rank per node, all
# its cores to the replicates of that rank.  Submit with `sbatch docs/slurm_deqnn.sh`.
#SBATCH --job-name=deqnn-ck
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=32
#SBATCH --mem=0                  # the whole node: deqnn checks what it may use
#SBATCH --time=02:00:00
export DEQNN_THREADS=$SLURM_CPUS_PER_TASK OPENBLAS_NUM_THREADS=1
# any simulating command: ck, ntk, mp, rf, onestep, spiked --simulate, train
srun --mpi=pmix deqnn ck --act tanh --ratios 0.5,0.8,1.2,1.71 \
     --simulate --n 10000 --seeds 256 --seed 2385 --out ck_n10000.csv
