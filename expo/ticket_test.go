package expo

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestTicketDecodingAndClassification(t *testing.T) {
	tests := []struct {
		name      string
		json      string
		wantOK    bool
		wantDNR   bool
		wantClass Class
		wantToken string
	}{
		{"ok", `{"status":"ok","id":"0194d1a4-1c2b-7d3e-8f40-123456789abc"}`, true, false, ClassOK, ""},
		{"device not registered", `{"status":"error","message":"\"ExponentPushToken[x]\" is not a registered push notification recipient","details":{"error":"DeviceNotRegistered","expoPushToken":"ExponentPushToken[x]"}}`, false, true, ClassDeviceNotRegistered, "ExponentPushToken[x]"},
		{"rate exceeded", `{"status":"error","message":"slow down","details":{"error":"MessageRateExceeded"}}`, false, false, ClassRetryLater, ""},
		{"expo error", `{"status":"error","details":{"error":"ExpoError"}}`, false, false, ClassRetryLater, ""},
		{"provider error", `{"status":"error","details":{"error":"ProviderError"}}`, false, false, ClassRetryLater, ""},
		{"too big", `{"status":"error","details":{"error":"MessageTooBig"}}`, false, false, ClassPermanent, ""},
		{"credentials", `{"status":"error","details":{"error":"InvalidCredentials"}}`, false, false, ClassPermanent, ""},
		{"mismatch sender", `{"status":"error","details":{"error":"MismatchSenderId"}}`, false, false, ClassPermanent, ""},
		{"developer error", `{"status":"error","details":{"error":"DeveloperError"}}`, false, false, ClassPermanent, ""},
		{"no details", `{"status":"error","message":"boom"}`, false, false, ClassPermanent, ""},
		{"unknown code and extra keys", `{"status":"error","details":{"error":"Weird","fault":"apns","sentAt":1}}`, false, false, ClassPermanent, ""},
		{"missing status", `{"id":"x"}`, false, false, ClassPermanent, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tk Ticket
			if err := json.Unmarshal([]byte(tt.json), &tk); err != nil {
				t.Fatalf("unmarshal ticket: %v", err)
			}
			var rc Receipt
			if err := json.Unmarshal([]byte(tt.json), &rc); err != nil {
				t.Fatalf("unmarshal receipt: %v", err)
			}
			if tk.OK() != tt.wantOK || rc.OK() != tt.wantOK {
				t.Errorf("OK = %v/%v, want %v", tk.OK(), rc.OK(), tt.wantOK)
			}
			if tk.DeviceNotRegistered() != tt.wantDNR || rc.DeviceNotRegistered() != tt.wantDNR {
				t.Errorf("DeviceNotRegistered = %v/%v, want %v", tk.DeviceNotRegistered(), rc.DeviceNotRegistered(), tt.wantDNR)
			}
			if tk.Class() != tt.wantClass || rc.Class() != tt.wantClass {
				t.Errorf("Class = %v/%v, want %v", tk.Class(), rc.Class(), tt.wantClass)
			}
			if tk.Details.ExpoPushToken != tt.wantToken {
				t.Errorf("ExpoPushToken = %q, want %q", tk.Details.ExpoPushToken, tt.wantToken)
			}
			if got := IsRetryableLater(tk.Details.Error); got != (tt.wantClass == ClassRetryLater) {
				t.Errorf("IsRetryableLater(%q) = %v", tk.Details.Error, got)
			}
			err := tk.Err()
			if (err == nil) != tt.wantOK {
				t.Fatalf("Err() = %v, want nil: %v", err, tt.wantOK)
			}
			if got := errors.Is(err, ErrDeviceNotRegistered); got != tt.wantDNR {
				t.Errorf("errors.Is(ErrDeviceNotRegistered) = %v, want %v", got, tt.wantDNR)
			}
			if got := errors.Is(rc.Err(), ErrDeviceNotRegistered); got != tt.wantDNR {
				t.Errorf("receipt errors.Is(ErrDeviceNotRegistered) = %v, want %v", got, tt.wantDNR)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "expo: ") {
				t.Errorf("Err().Error() = %q", err)
			}
		})
	}
}

func TestTicketJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(Ticket{Status: StatusOK, ID: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"status":"ok","id":"abc"}`; got != want {
		t.Errorf("ok ticket JSON = %s, want %s", got, want)
	}
}
