"""Running trustwatch as deployed: Airflow's own processes on this machine (`native`),
and the per-worker model preload that lets classify tasks share one loaded model."""
