package expo

// Message is one push notification for one Expo push token, encoded as Expo's
// message object. Only To is required. Zero values are left out of the JSON,
// except for the pointer fields, where nil means "not set" and a pointer to
// zero is sent (a badge of 0 clears the badge): write Badge: new(0).
type Message struct {
	// To is the recipient's Expo push token, e.g. "ExponentPushToken[xxx]".
	To string `json:"to"`
	// Title is the notification's title.
	Title string `json:"title,omitempty"`
	// Subtitle is shown under the title (iOS only).
	Subtitle string `json:"subtitle,omitempty"`
	// Body is the notification's text.
	Body string `json:"body,omitempty"`
	// Data is delivered to the app; keep it small (the whole provider
	// payload must stay under 4096 bytes or Expo answers MessageTooBig).
	Data map[string]any `json:"data,omitempty"`
	// Sound is "default" or the file name (with extension) of a sound
	// bundled with the app (iOS). Empty means silent.
	Sound string `json:"sound,omitempty"`
	// Badge sets the app icon's badge count (iOS); a pointer to 0 clears it.
	Badge *int `json:"badge,omitempty"`
	// TTL is how many seconds the notification may wait for delivery; it
	// takes precedence over Expiration. Nil uses each provider's default.
	TTL *int `json:"ttl,omitempty"`
	// Expiration is a Unix timestamp (seconds) after which the
	// notification is dropped. Zero means not set.
	Expiration int64 `json:"expiration,omitempty"`
	// Priority is PriorityDefault, PriorityNormal or PriorityHigh.
	Priority string `json:"priority,omitempty"`
	// ChannelID is the Android notification channel. If the channel does not
	// exist on the device the notification is not shown.
	ChannelID string `json:"channelId,omitempty"`
	// CategoryID selects an interactive notification category.
	CategoryID string `json:"categoryId,omitempty"`
	// MutableContent lets an iOS notification service extension modify it.
	MutableContent bool `json:"mutableContent,omitempty"`
	// InterruptionLevel is "active", "critical", "passive" or
	// "time-sensitive" (iOS).
	InterruptionLevel string `json:"interruptionLevel,omitempty"`
	// Icon is the name of an Android drawable resource.
	Icon string `json:"icon,omitempty"`
	// RichContent carries an image URL shown with the notification.
	RichContent *RichContent `json:"richContent,omitempty"`
	// CollapseID lets a newer notification replace an older one.
	CollapseID string `json:"collapseId,omitempty"`
	// Tag replaces an existing notification with the same tag (Android).
	Tag string `json:"tag,omitempty"`
	// ThreadID groups notifications (iOS).
	ThreadID string `json:"threadId,omitempty"`
	// TargetContentID names the window to bring forward (iOS).
	TargetContentID string `json:"targetContentId,omitempty"`
	// RelevanceScore (0 to 1) sorts notification summaries (iOS).
	RelevanceScore *float64 `json:"relevanceScore,omitempty"`
	// FilterCriteria is matched by iOS Focus filters.
	FilterCriteria string `json:"filterCriteria,omitempty"`
	// ContentAvailable wakes the app in the background (iOS).
	ContentAvailable bool `json:"contentAvailable,omitempty"`
}

// RichContent is the richContent object of a Message.
type RichContent struct {
	// Image is the URL of an image to show with the notification.
	Image string `json:"image,omitempty"`
}

// Values of Message.Priority.
const (
	PriorityDefault = "default"
	PriorityNormal  = "normal"
	PriorityHigh    = "high"
)
