package expo

import (
	"encoding/json"
	"testing"
)

func TestMessageJSON(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"only to", Message{To: "ExpoPushToken[a]"}, `{"to":"ExpoPushToken[a]"}`},
		{"zero badge survives", Message{To: "ExpoPushToken[a]", Badge: new(0)}, `{"to":"ExpoPushToken[a]","badge":0}`},
		{"zero ttl survives", Message{To: "ExpoPushToken[a]", TTL: new(0)}, `{"to":"ExpoPushToken[a]","ttl":0}`},
		{"empty data dropped", Message{To: "ExpoPushToken[a]", Data: map[string]any{}}, `{"to":"ExpoPushToken[a]"}`},
		{
			"field names",
			Message{
				To: "ExpoPushToken[a]", Title: "t", Subtitle: "s", Body: "b", Data: map[string]any{"kind": "results"},
				Sound: "default", Badge: new(3), TTL: new(60), Expiration: 1700000000, Priority: PriorityHigh,
				ChannelID: "polls", CategoryID: "vote", MutableContent: true, InterruptionLevel: "active",
				Icon: "ic", RichContent: &RichContent{Image: "https://x/y.png"}, CollapseID: "c", Tag: "g",
				ThreadID: "th", TargetContentID: "tc", RelevanceScore: new(0.5), FilterCriteria: "f",
				ContentAvailable: true,
			},
			`{"to":"ExpoPushToken[a]","title":"t","subtitle":"s","body":"b","data":{"kind":"results"},` +
				`"sound":"default","badge":3,"ttl":60,"expiration":1700000000,"priority":"high",` +
				`"channelId":"polls","categoryId":"vote","mutableContent":true,"interruptionLevel":"active",` +
				`"icon":"ic","richContent":{"image":"https://x/y.png"},"collapseId":"c","tag":"g",` +
				`"threadId":"th","targetContentId":"tc","relevanceScore":0.5,"filterCriteria":"f",` +
				`"contentAvailable":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.msg)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON =\n%s\nwant\n%s", b, tt.want)
			}
		})
	}
}
