// Command referrers-registry serves go-containerregistry's in-memory registry (pkg/registry) with
// its OCI 1.1 referrers API switched on: GET /v2/<name>/referrers/<digest> answers with an image
// index. The module's own cmd/registry leaves that option off, so it, like distribution 2.8,
// answers 404 and clients fall back to the sha256-<hex> tag. It listens on 127.0.0.1 only and
// prints "serving on port N" on stderr (-port 0 picks a free port), then one line per request.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	port := flag.Int("port", 0, "port on 127.0.0.1 (0: a free one)")
	flag.Parse()
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("serving on port %d", listener.Addr().(*net.TCPAddr).Port)
	server := &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler:           registry.New(registry.WithReferrersSupport(true)),
	}
	log.Fatal(server.Serve(listener))
}
