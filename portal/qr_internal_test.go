package portal

import (
	"testing"

	"gatehouse/model"
)

func BenchmarkQRSVG(b *testing.B) {
	uri := model.TOTPURI(model.NewTOTPSecret(), "gatehouse demo", "ACME-AB12CD")
	for i := 0; i < b.N; i++ {
		if _, err := drawQR(uri); err != nil {
			b.Fatal(err)
		}
	}
}
