"""Top-down tasks (任务列单 / 责任上单): the county, a street or a committee lists a task for some
communities; each community's committee names who answers for it (a team or a member), and the
work then runs as a request of channel ``task`` through the one state machine, with its
deadlines, lights, timeline and notifications. Counted apart from residents' requests; a public
task's results are on the sunlight list (成绩晒单)."""
