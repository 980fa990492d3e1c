// Command ferretdb runs FerretDB v1 with its SQLite backend for integration tests.
// It embeds FerretDB's own package because `go install` of FerretDB's command panics
// without the version files its release build generates.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27117", "TCP address to listen on")
	dir := flag.String("sqlite-dir", "", "directory for the SQLite databases (one file per database)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	if *dir == "" {
		log.Fatal("-sqlite-dir is required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		log.Fatal(err)
	}

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	logger.Info("ferretdb starting", "listen", *listen, "dir", *dir)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
	logger.Info("ferretdb stopped")
}
