"""Long jobs (长任务): one record per job with stage, percentage, cancel, failure reason.

Every long piece of work (a supply run, a draw, an import, a big export…) is started with
`junheng.jobs.actions.start_job` and runs in a worker (`junheng worker`) through the Django
tasks framework; the page that started it returns at once and polls the job's progress bar.
"""
