package main

import "github.com/switchwatch/switchwatch/record/store"

func version() string { return store.Version() }
