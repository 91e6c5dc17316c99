package store

// SearchVia forces the plan of a search sorted by name, so that tests can hold every plan to
// the plain answer: "trigram" (sort the trigram index's matches), "walk" (a walk of the name
// index bounded to budget entries, then the blocks when it falls short), "blocks", or "name"
// (the unbounded walk).
func SearchVia(q UserQuery, via string, budget int) UserQuery {
	q.planForced = true
	switch via {
	case "trigram":
		q.byTrigram = true
	case "walk":
		q.walkBudget = budget
	case "blocks":
		q.byBlocks = true
	}
	return q
}
