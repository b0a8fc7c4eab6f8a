// Package forms holds Closeloop's paper forms as plain Go types: the fields,
// their bilingual labels and the validation rules that decide whether a form
// may be registered.
//
// The package is deliberately standard-library only and free of Temporal,
// HTTP and SQL imports, so the same rules run unchanged in the API handler,
// inside workflows and in tests. Rule IDs (C1, C6, K6, ...) in comments refer
// to the business rules the code implements.
package forms
