// Command local-kms serves the AWS KMS emulation of github.com/nsmithuk/local-kms (its request
// handler and key store, unchanged) on a loopback address over TLS, for the awskms:// signing tests.
//
// Upstream's own command listens on every interface (":"+PORT) over plain http; cosign's AWS client
// always speaks https to the endpoint of an awskms://HOST:PORT/ URI, and the tests bind to 127.0.0.1
// only, so this wrapper does just the listening: it prints "listening on https://ADDR" once ready.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"

	localkms "github.com/nsmithuk/local-kms/src"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	cert := flag.String("cert", "", "TLS certificate (PEM) for the address")
	key := flag.String("key", "", "TLS private key (PEM) of the certificate")
	dir := flag.String("data", "", "key store directory (created; required)")
	region := flag.String("region", "eu-west-1", "region in the key ARNs")
	account := flag.String("account", "111122223333", "account id in the key ARNs")
	flag.Parse()
	if *cert == "" || *key == "" || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: local-kms -cert CERT.pem -key KEY.pem -data DIR [-addr 127.0.0.1:PORT]")
		os.Exit(2)
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("local-kms: -addr %q is not a loopback address", *addr)
	}
	config.AWSRegion = *region
	config.AWSAccountId = *account
	config.DatabasePath, err = filepath.Abs(*dir)
	if err != nil {
		log.Fatal(err)
	}
	db := data.NewDatabase(config.DatabasePath)
	defer db.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on https://%s\n", ln.Addr())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { localkms.HandleRequest(w, r, db) })
	log.Fatal(http.ServeTLS(ln, handler, *cert, *key))
}
