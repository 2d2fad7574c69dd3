"""The collections worklist: who to call first and why, the customer panel, the
clerks' actions and their KPIs."""
