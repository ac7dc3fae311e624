package report

import (
	"strings"
	"unicode/utf8"
)

// table is a table of formatted cells, the shape shared by the text table
// and the Markdown: the cells are made once (present.go) and each
// renderer only lays them out.
type table struct {
	cols []column
	rows [][]string
}

// column is one column of a table.
type column struct {
	name string
	// right aligns the column right (numbers).
	right bool
	// data marks cells that come from the data (metric names, group keys,
	// run ids): the Markdown escapes them.
	data bool
	// tight puts one space before the column instead of two: a unit
	// beside its metric.
	tight bool
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// only is the table with the named columns, in the given order.
func (t *table) only(names ...string) *table {
	idx := make([]int, len(names))
	out := &table{}
	for i, n := range names {
		idx[i] = -1
		for j, c := range t.cols {
			if c.name == n {
				idx[i] = j
				out.cols = append(out.cols, c)
			}
		}
		if idx[i] < 0 {
			panic("report: table has no column " + n)
		}
	}
	for _, r := range t.rows {
		row := make([]string, len(idx))
		for i, j := range idx {
			row[i] = r[j]
		}
		out.rows = append(out.rows, row)
	}
	return out
}

// writeText lays the table out for a terminal: columns two spaces apart,
// numbers aligned right, every line starting with indent.
func (t *table) writeText(b *strings.Builder, indent string) {
	width := make([]int, len(t.cols))
	for i, c := range t.cols {
		width[i] = utf8.RuneCountInString(c.name)
	}
	for _, r := range t.rows {
		for i, cell := range r {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	line := func(cells []string) {
		var l strings.Builder
		l.WriteString(indent)
		for i, cell := range cells {
			if i > 0 {
				l.WriteString("  "[:2-btoi(t.cols[i].tight)])
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if t.cols[i].right {
				l.WriteString(pad + cell)
			} else {
				l.WriteString(cell + pad)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	head := make([]string, len(t.cols))
	for i, c := range t.cols {
		head[i] = c.name
	}
	line(head)
	for _, r := range t.rows {
		line(r)
	}
}

// writeMarkdown writes the table as a Markdown pipe table; data cells are
// escaped (EscapeCell), formatted cells are written as they are.
func (t *table) writeMarkdown(b *strings.Builder) {
	var head, rule strings.Builder
	for _, c := range t.cols {
		head.WriteString("| " + c.name + " ")
		if c.right {
			rule.WriteString("| ---: ")
		} else {
			rule.WriteString("| --- ")
		}
	}
	b.WriteString(head.String() + "|\n" + rule.String() + "|\n")
	for _, r := range t.rows {
		for i, cell := range r {
			if t.cols[i].data {
				cell = EscapeCell(cell)
			}
			b.WriteString("| " + cell + " ")
		}
		b.WriteString("|\n")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
