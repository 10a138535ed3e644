"""policy: the recommendation (ACCEPT / REVISE / REJECT) from the tribunal's score and the dossier."""
