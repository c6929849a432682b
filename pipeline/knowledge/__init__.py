"""Knowledge the pipeline reads from data: the taxonomy (`pipeline/taxonomy/`) and gold files.

`load_taxonomy()` / `stage_taxonomy(stage)` are the only way into `pipeline/taxonomy/`;
`read_gold()` the only way into a gold folder. Both validate what they read and name the
file, line and key of a problem.
"""
