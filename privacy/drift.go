package privacy

import (
	"fmt"
	"slices"
)

// CheckColumns compares the catalog and the operational columns with the
// columns of a live schema, given as "table.column", and returns one line
// per problem, sorted; none means they agree. Problems are a column that
// is neither in a category nor operational, a column listed twice, a
// listed column the schema does not have, and a category marked not
// collected that names columns.
func CheckColumns(schema []string) []string {
	owner := map[string]string{} // column → where it is listed
	var problems []string
	claim := func(col, by string) {
		if prev, ok := owner[col]; ok {
			problems = append(problems, fmt.Sprintf("%s is listed twice: in %s and in %s", col, prev, by))
			return
		}
		owner[col] = by
	}
	for _, c := range catalog {
		if !c.Collected() && len(c.Columns) > 0 {
			problems = append(problems, fmt.Sprintf("category %s is marked not collected but names columns %v", c.Name, c.Columns))
		}
		for _, col := range c.Columns {
			claim(col, "category "+c.Name)
		}
	}
	for _, g := range operational {
		for _, col := range g.Columns {
			claim(col, "the operational columns")
		}
	}
	live := map[string]bool{}
	for _, col := range schema {
		live[col] = true
		if _, ok := owner[col]; !ok {
			problems = append(problems, fmt.Sprintf("%s is neither in a category (privacy/catalog.go) nor operational (privacy/operational.go): say whether it holds personal data", col))
		}
	}
	for col, by := range owner {
		if !live[col] {
			problems = append(problems, fmt.Sprintf("%s, listed in %s, is not in the schema", col, by))
		}
	}
	slices.Sort(problems)
	return problems
}
